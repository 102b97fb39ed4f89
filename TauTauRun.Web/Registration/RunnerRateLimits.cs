using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace TauTauRun.Web.Registration;

/// <summary>
/// A limit on what runners' forms may post per client address and minute (the framework's rate
/// limiter; GETs are never limited). Past it: 429 with Retry-After. The limit is configurable
/// (<c>RateLimits:RunnerPostsPerMinute</c>) because a whole club registering from one office, or a
/// load test from one address, looks like one client.
/// </summary>
public static class RunnerRateLimits
{
    public const string Policy = "runner-posts";

    public static void AddRunnerRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var permits = configuration.GetValue("RateLimits:RunnerPostsPerMinute", 30);
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, cancellationToken) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? (int)Math.Ceiling(retryAfter.TotalSeconds)
                    : 60;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                context.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                await context.HttpContext.Response.WriteAsync(
                    $"Too many attempts from your address. Please wait {seconds} seconds and try again.", cancellationToken);
            };
            options.AddPolicy(Policy, http => HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromMinutes(1) })
                : RateLimitPartition.GetNoLimiter("reads"));
        });
    }
}
