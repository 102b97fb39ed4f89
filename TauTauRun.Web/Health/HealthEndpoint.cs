using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TauTauRun.Web.Health;

/// <summary><c>GET /health</c>: 200 when healthy or degraded, 503 when not, with a small JSON body.</summary>
public static class HealthEndpoint
{
    public static IServiceCollection AddTauTauRunHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<StandbyHealthCheck>("standby")
            .AddCheck<BackupHealthCheck>("backups")
            .AddCheck<WalArchiveHealthCheck>("wal_archive");
        return services;
    }

    public static void MapTauTauRunHealth(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteAsync })
            .DisableHttpMetrics();

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        // Through nginx (which the forwarded-headers middleware records as X-Original-For) the world
        // sees the status only; the checks' details are for this machine's operators and monitoring.
        if (context.Request.Headers.ContainsKey("X-Original-For"))
            return context.Response.WriteAsync(JsonSerializer.Serialize(new { status = report.Status.ToString() }));
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description, data = entry.Value.Data }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
