using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TauTauRun.Web.Health;

/// <summary>
/// The age of the last good dump, from what backup.sh records in <c>BACKUP_DIR/.state/</c>
/// (<c>Backups:Directory</c>, default /opt/tautaurun/backups). Degraded (still 200: registration works)
/// when the last backup or verification failed after the last good dump, or when no dump is newer than
/// <see cref="MaximumAge"/> (a nightly missed). Without the folder (a developer's machine) there is nothing to say.
/// </summary>
internal sealed class BackupHealthCheck(IConfiguration configuration, TimeProvider clock) : IHealthCheck
{
    /// <summary>A nightly dump plus two hours of slack.</summary>
    public static readonly TimeSpan MaximumAge = TimeSpan.FromHours(26);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        var state = Path.Combine(configuration["Backups:Directory"] ?? "/opt/tautaurun/backups", ".state");
        if (!Directory.Exists(Path.GetDirectoryName(state)))
            return Task.FromResult(HealthCheckResult.Healthy("no backup folder on this machine"));
        var now = clock.GetUtcNow();
        var success = Read(Path.Combine(state, "last-success"));
        var failure = Read(Path.Combine(state, "last-failure"));
        var data = new Dictionary<string, object> { ["maximum_age_hours"] = MaximumAge.TotalHours };
        if (success is { } good)
        {
            data["last_good_dump"] = Path.GetFileName(good.Text);
            data["last_good_dump_age_seconds"] = (long)(now - good.At).TotalSeconds;
        }
        if (failure is { } bad && (success is null || bad.At > success.Value.At))
        {
            data["last_failure"] = bad.Text;
            return Task.FromResult(HealthCheckResult.Degraded("the last backup run failed: " + bad.Text, data: data));
        }
        if (success is { } last)
            return Task.FromResult(now - last.At > MaximumAge
                ? HealthCheckResult.Degraded($"the last good dump is {(now - last.At).TotalHours:0} h old", data: data)
                : HealthCheckResult.Healthy("the last good dump is recent", data));
        // None yet: fine right after the install, not once a nightly should have run.
        return Task.FromResult(Read(Path.Combine(state, "since")) is { } since && now - since.At > MaximumAge
            ? HealthCheckResult.Degraded($"no good dump in the {(now - since.At).TotalHours:0} h since backups were set up", data: data)
            : HealthCheckResult.Healthy("no dump yet", data));
    }

    /// <summary>"EPOCH.MMM TEXT" (backup.sh) or "EPOCH" (install.sh); null when missing or unreadable.</summary>
    private static (DateTimeOffset At, string Text)? Read(string file)
    {
        try
        {
            var line = File.ReadAllText(file).Trim();
            var parts = line.Split(' ', 2);
            return decimal.TryParse(parts[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
                ? (DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)), parts.Length > 1 ? parts[1] : "")
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
