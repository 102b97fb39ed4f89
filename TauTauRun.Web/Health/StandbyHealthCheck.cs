using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace TauTauRun.Web.Health;

/// <summary>
/// The streaming standby of deploy/standby.sh, seen from the primary: its replication slot says one is
/// set up, pg_stat_replication whether it streams now. A standby that is gone is Degraded, not
/// Unhealthy: the primary carries on alone (deploy/standby.sh guard stops commits waiting for it), and
/// the instances must stay in nginx's upstream. Without a slot there is no standby to report on.
/// </summary>
internal sealed class StandbyHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    private const string Slot = "tautaurun_standby";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
            var state = await connection.QuerySingleAsync<(bool Configured, string? SyncState, bool Waits)>(new CommandDefinition($"""
                SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '{Slot}'),
                       (SELECT sync_state FROM pg_stat_replication WHERE application_name = '{Slot}' AND state = 'streaming' LIMIT 1),
                       current_setting('synchronous_standby_names') <> ''
                """, cancellationToken: timeout.Token));
            var data = new Dictionary<string, object> { ["commits_wait_for_standby"] = state.Waits };
            if (!state.Configured)
                return HealthCheckResult.Healthy("no standby set up");
            return state.SyncState is null
                ? HealthCheckResult.Degraded(state.Waits
                    ? "the standby is not streaming: commits wait for it until the guard gives up on it"
                    : "the standby is not streaming: registrations are on the primary only", data: data)
                : HealthCheckResult.Healthy($"the standby streams ({state.SyncState})", data);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            // The database check reports an unreachable database; this one has nothing to add.
            return HealthCheckResult.Healthy("database unreachable: see the database check");
        }
    }
}
