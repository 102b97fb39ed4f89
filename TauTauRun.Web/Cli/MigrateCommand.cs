using TauTauRun.Web.Data;

namespace TauTauRun.Web.Cli;

/// <summary>
/// <c>migrate</c> brings the schema to this release's newest version; <c>migrate --down-to N</c> runs
/// the Down of every newer migration (the plan's database rollback). Both are no-ops when already there,
/// and both hold the migration lock of <see cref="SchemaMigrator.LockAsync"/>.
/// </summary>
internal sealed class MigrateCommand : ICommand
{
    public string Name => "migrate";
    public string Usage => "migrate [--down-to VERSION]";

    public Func<IServiceProvider, TextWriter, Task> Prepare(string[] arguments)
    {
        long? downTo = arguments switch
        {
            [] => null,
            ["--down-to", var value] when long.TryParse(value, out var version) && version >= 0 => version,
            ["--down-to", var value] => throw new UsageException($"'{value}' is not a migration version (a whole number, 0 or more)"),
            _ => throw new UsageException($"unexpected argument '{arguments[0]}'"),
        };
        return async (services, output) =>
        {
            var connectionString = Database.ConnectionString(services.GetRequiredService<IConfiguration>());
            // Under the lock the instances take at start: a restart during a deploy waits for this run.
            await using var migrationLock = await SchemaMigrator.LockAsync(connectionString);
            using var migrator = new SchemaMigrator(connectionString);
            var before = migrator.CurrentVersion();
            if (downTo is { } target)
                RollBack(migrator, before, target, output);
            else
                MigrateUp(migrator, before, output);
        };
    }

    private static void MigrateUp(SchemaMigrator migrator, long before, TextWriter output)
    {
        if (before >= SchemaMigrator.LatestVersion)
        {
            output.WriteLine($"Schema already at version {before}; this release's newest is {SchemaMigrator.LatestVersion}. Nothing to do.");
            return;
        }
        migrator.MigrateUp();
        output.WriteLine($"Schema migrated from version {before} to {migrator.CurrentVersion()}.");
    }

    private static void RollBack(SchemaMigrator migrator, long before, long target, TextWriter output)
    {
        if (before <= target)
        {
            output.WriteLine($"Schema at version {before}, not above {target}. Nothing to roll back.");
            return;
        }
        if (before > SchemaMigrator.LatestVersion)
            throw new CommandFailedException(
                $"the schema is at version {before}, newer than this release knows ({SchemaMigrator.LatestVersion}); roll back with the release that applied it");
        migrator.MigrateDownTo(target);
        output.WriteLine($"Schema rolled back from version {before} to {target}.");
    }
}
