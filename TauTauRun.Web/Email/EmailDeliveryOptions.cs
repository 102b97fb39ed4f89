using System.ComponentModel.DataAnnotations;

namespace TauTauRun.Web.Email;

/// <summary>
/// How the delivery worker paces itself (configuration section <c>Email</c>). A failed message is
/// retried after RetryBase × 2^(attempt-1), capped at RetryCap, ±20% jitter, up to MaxAttempts tries:
/// with the defaults 30 s, 1, 2, 4, 8, 16, 32 min, then hourly: about 6½ hours in all.
/// </summary>
public sealed class EmailDeliveryOptions
{
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    public int BatchSize { get; set; } = 50;
    /// <summary>How long a claimed message is reserved for one worker; after that a crashed worker's rows are taken again.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);
    public int MaxAttempts { get; set; } = 12;
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan RetryCap { get; set; } = TimeSpan.FromHours(1);
    /// <summary>
    /// How fast a message to a group of runners leaves (all instances together): its copies are queued
    /// this many a minute apart. One a second stays under the hourly and per-second limits of common
    /// SMTP providers; raise it to what yours allows.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "Email:GroupMessagesPerMinute must be between 1 and 100000.")]
    public int GroupMessagesPerMinute { get; set; } = 60;

    public TimeSpan RetryDelay(int attempt)
    {
        var exponential = RetryBase.TotalSeconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var jitter = 0.8 + Random.Shared.NextDouble() * 0.4;
        return TimeSpan.FromSeconds(Math.Min(exponential, RetryCap.TotalSeconds) * jitter);
    }
}
