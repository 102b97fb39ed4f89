using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Health;

/// <summary>
/// Healthy when the database answers and its schema is at least as new as this build's migrations.
/// The description is fixed text: connection strings and server messages go to the log, not to callers.
/// </summary>
internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource, ILogger<DatabaseHealthCheck> logger) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        long version;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
            version = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                $"SELECT max(version) FROM {VersionTable.Name}", cancellationToken: timeout.Token)) ?? 0;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            logger.LogWarning("Health: database unreachable ({Reason})", e.Message);
            // Idle connections from before an outage are dead; drop them so requests recover at once.
            dataSource.Clear();
            return HealthCheckResult.Unhealthy("database unreachable");
        }

        return version >= SchemaMigrator.LatestVersion
            ? HealthCheckResult.Healthy("database answers", Data(version))
            : HealthCheckResult.Unhealthy("database schema is behind this release: run 'tautaurun migrate'", data: Data(version));
    }

    private static Dictionary<string, object> Data(long version) => new()
    {
        ["schema_version"] = version,
        ["release_schema_version"] = SchemaMigrator.LatestVersion,
    };
}
