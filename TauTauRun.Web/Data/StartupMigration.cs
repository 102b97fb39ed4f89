using Npgsql;

namespace TauTauRun.Web.Data;

/// <summary>
/// Brings the schema up to this release's migrations when the service starts, so that after a restore
/// of an older dump `systemctl start tautaurun-api` is all it takes. The migrations run under a
/// PostgreSQL advisory lock: several instances starting at once migrate one after the other (the
/// later ones find nothing to do). A schema newer than this release is left alone (an application
/// rollback runs the older release on it); a database that is down at start is tried again every
/// few seconds until it answers. <c>TauTauRun:MigrateOnStart=false</c> turns it off.
/// </summary>
internal sealed class StartupMigration(NpgsqlDataSource dataSource, IConfiguration configuration, ILogger<StartupMigration> logger) : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);
    private bool done;

    /// <summary>The first try, before the server takes requests (hosted services start first).</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        done = !configuration.GetValue("TauTauRun:MigrateOnStart", true) || await TryMigrateAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!done)
        {
            await Task.Delay(RetryInterval, stoppingToken);
            done = await TryMigrateAsync(stoppingToken);
        }
    }

    private async Task<bool> TryMigrateAsync(CancellationToken cancellationToken)
    {
        var connectionString = Database.ConnectionString(configuration);
        try
        {
            // Most starts find the schema current: one query on the pool says so, without building
            // FluentMigrator's runner (a tenth of a start). Behind, the check is made again under the lock.
            if (await SchemaMigrator.ReadVersionAsync(dataSource, cancellationToken) is { } current && current >= SchemaMigrator.LatestVersion)
            {
                WarnIfNewer(current);
                return true;
            }
            await using var migrationLock = await SchemaMigrator.LockAsync(connectionString, cancellationToken);
            using var migrator = new SchemaMigrator(connectionString);
            var before = migrator.CurrentVersion();
            if (before < SchemaMigrator.LatestVersion)
            {
                migrator.MigrateUp();
                logger.LogWarning("Schema migrated at start from version {Before} to {After}", before, migrator.CurrentVersion());
            }
            WarnIfNewer(before);
            return true;
        }
        catch (NpgsqlException e)
        {
            logger.LogWarning("Schema check at start: database unreachable ({Reason}); trying again in {Seconds} s", e.Message, RetryInterval.TotalSeconds);
            return false;
        }
    }

    private void WarnIfNewer(long version)
    {
        if (version > SchemaMigrator.LatestVersion)
            logger.LogWarning("Schema at version {Version}, newer than this release's {Release}: left as it is", version, SchemaMigrator.LatestVersion);
    }
}
