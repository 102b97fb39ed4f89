using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace TauTauRun.Web.Health;

/// <summary>
/// WAL archiving for point-in-time recovery (pgBackRest's archive_command), from pg_stat_archiver.
/// Degraded when the last attempt failed, or when a finished WAL segment has waited longer than
/// <see cref="MaximumLag"/> (the lag: how old the archive is while a segment waits; 0 when none waits).
/// Healthy with "off" where archiving is not set up (a developer's machine).
/// </summary>
internal sealed class WalArchiveHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public static readonly TimeSpan MaximumLag = TimeSpan.FromMinutes(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            // The segment before the one being written is the newest that should be archived by now.
            var archive = await connection.QuerySingleAsync<Archiver>(new CommandDefinition("""
                SELECT current_setting('archive_mode') AS mode,
                       coalesce(a.last_failed_time > coalesce(a.last_archived_time, '-infinity'), false) AS failing,
                       CASE WHEN pg_is_in_recovery() OR a.last_archived_wal IS NOT NULL AND a.last_archived_wal
                                 >= pg_walfile_name(pg_current_wal_lsn() - pg_size_bytes(current_setting('wal_segment_size')))
                            THEN 0
                            ELSE extract(epoch FROM now() - coalesce(a.last_archived_time, a.stats_reset))::bigint END AS lagseconds,
                       a.failed_count AS failedcount
                FROM pg_stat_archiver a
                """, cancellationToken: cancellationToken));
            if (archive.Mode == "off")
                return HealthCheckResult.Healthy("WAL archiving is off", new Dictionary<string, object> { ["archive_mode"] = "off" });
            var data = new Dictionary<string, object>
            {
                ["archive_lag_seconds"] = archive.LagSeconds,
                ["maximum_lag_seconds"] = (long)MaximumLag.TotalSeconds,
                ["failed_count"] = archive.FailedCount,
            };
            if (archive.Failing)
                return HealthCheckResult.Degraded("WAL archiving fails: see the PostgreSQL log", data: data);
            return archive.LagSeconds > MaximumLag.TotalSeconds
                ? HealthCheckResult.Degraded($"WAL archive lag is {archive.LagSeconds} s", data: data)
                : HealthCheckResult.Healthy("WAL archived", data);
        }
        catch (NpgsqlException)
        {
            return HealthCheckResult.Degraded("unknown: database unreachable");
        }
    }

    private sealed record Archiver(string Mode, bool Failing, long LagSeconds, long FailedCount);
}
