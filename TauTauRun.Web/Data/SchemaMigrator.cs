using System.Reflection;
using FluentMigrator;
using FluentMigrator.Runner;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TauTauRun.Migrations;

namespace TauTauRun.Web.Data;

/// <summary>
/// Moves the schema up or down with the migrations in the migrations project. The CLI, the run
/// command and the tests all migrate through this one class.
/// </summary>
public sealed class SchemaMigrator : IDisposable
{
    private static readonly Assembly MigrationsAssembly = typeof(CreateEventSettings).Assembly;
    private readonly ServiceProvider services;

    public SchemaMigrator(string connectionString)
    {
        // Migrations run rarely and alone: a pooled connection would only outlive its server.
        connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner => runner
                .AddPostgres15_0()
                .WithGlobalConnectionString(connectionString)
                .WithVersionTable(new VersionTable())
                .ScanIn(MigrationsAssembly).For.Migrations())
            .BuildServiceProvider();
    }

    /// <summary>Every migration this build knows, oldest first (numbers may leave gaps).</summary>
    public static IReadOnlyList<long> Versions { get; } = MigrationsAssembly.GetTypes()
        .Select(type => type.GetCustomAttribute<MigrationAttribute>()?.Version)
        .OfType<long>()
        .Order()
        .ToList();

    /// <summary>The newest migration this build knows.</summary>
    public static long LatestVersion => Versions[^1];

    /// <summary>The advisory lock's key: any fixed number that nothing else in the database uses.</summary>
    private const long LockKey = 0x7461_7574_6175;

    /// <summary>
    /// A connection holding the migration lock, to keep open while migrating: instances starting at once
    /// and the <c>migrate</c> command migrate one after the other (the later ones find nothing to do).
    /// The lock is the session's, so it goes with the connection, even if a migration throws.
    /// </summary>
    public static async Task<NpgsqlConnection> LockAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", connection);
            lockCommand.CommandTimeout = 0; // another process may be migrating: wait for it
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The newest migration applied, in one query on the app's pool, without building the runner; null
    /// when the database has no version table yet.
    /// </summary>
    public static async Task<long?> ReadVersionAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {VersionTable.Name}", connection);
        try
        {
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    /// <summary>The newest migration applied to the database, 0 for none.</summary>
    public long CurrentVersion()
    {
        using var scope = services.CreateScope();
        var loader = scope.ServiceProvider.GetRequiredService<IVersionLoader>();
        loader.LoadVersionInfo();
        return loader.VersionInfo.Latest();
    }

    public void MigrateUp()
    {
        using var scope = services.CreateScope();
        scope.ServiceProvider.GetRequiredService<IMigrationRunner>().MigrateUp();
    }

    /// <summary>Runs the Down of every migration newer than <paramref name="version"/>, newest first.</summary>
    public void MigrateDownTo(long version)
    {
        using var scope = services.CreateScope();
        scope.ServiceProvider.GetRequiredService<IMigrationRunner>().RollbackToVersion(version);
    }

    public void Dispose() => services.Dispose();
}
