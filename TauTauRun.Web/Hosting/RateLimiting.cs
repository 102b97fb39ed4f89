using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Hosting;

/// <summary>
/// The framework's rate limiter, with one answer for every limited form: 429, Retry-After, and a
/// sentence saying how long to wait. Features add their policies with <see cref="AddPostLimit"/>.
/// </summary>
public static class RateLimiting
{
    public static void AddTauTauRunRateLimiting(this IServiceCollection services) => services.AddRateLimiter(options =>
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = async (context, cancellationToken) =>
        {
            var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                ? (int)Math.Ceiling(retryAfter.TotalSeconds)
                : 60;
            var what = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<RateLimitSubject>()?.What ?? RunnerText.Get("RateLimit.Attempts");
            var response = context.HttpContext.Response;
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            response.ContentType = "text/plain; charset=utf-8";
            await response.WriteAsync(RunnerText.Get("RateLimit.TooMany", what, seconds), cancellationToken);
        };
    });

    /// <summary>A policy limiting POSTs per client and minute; reading a page is never limited.</summary>
    public static void AddPostLimit(this IServiceCollection services, string policy, int permitsPerMinute) =>
        services.Configure<RateLimiterOptions>(options => options.AddPolicy(policy, http => HttpMethods.IsPost(http.Request.Method)
            ? RateLimitPartition.GetFixedWindowLimiter(Client(http.Connection.RemoteIpAddress),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = permitsPerMinute, Window = TimeSpan.FromMinutes(1) })
            : RateLimitPartition.GetNoLimiter("reads")));

    /// <summary>
    /// Who counts as one client: an IPv4 address, or an IPv6 /64. One subscriber usually gets a whole
    /// /64 and can take a fresh address from it for every request, so counting addresses would not limit them.
    /// </summary>
    private static string Client(IPAddress? address)
    {
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4().ToString();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}

/// <summary>Names what a limited page counts, for the 429 message ("Too many login attempts …").</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RateLimitSubject(string what) : Attribute
{
    public string What { get; } = what;
}
