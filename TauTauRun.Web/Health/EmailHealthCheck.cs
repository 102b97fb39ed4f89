using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace TauTauRun.Web.Health;

/// <summary>
/// Degraded (still 200: runners can register, mail waits in the outbox) when the latest delivery
/// attempts across all instances failed; always reports how many messages are FAILED.
/// </summary>
internal sealed class EmailHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    private const int Recent = 3;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var (failed, recent) = await connection.QuerySingleAsync<(long, string[])>("""
                SELECT (SELECT count(*) FROM email_logs WHERE status = 'FAILED'),
                       ARRAY(SELECT status FROM email_logs WHERE last_attempt_at IS NOT NULL
                             ORDER BY last_attempt_at DESC LIMIT @Recent)
                """, new { Recent });
            var data = new Dictionary<string, object> { ["failed_messages"] = failed };
            return recent.Length > 0 && recent.All(status => status == "FAILED")
                ? HealthCheckResult.Degraded("the latest delivery attempts failed", data: data)
                : HealthCheckResult.Healthy("delivering", data);
        }
        catch (NpgsqlException)
        {
            return HealthCheckResult.Degraded("unknown: database unreachable");
        }
    }
}
