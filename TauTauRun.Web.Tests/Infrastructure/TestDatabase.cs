using Npgsql;
using Respawn;
using Respawn.Graph;
using TauTauRun.Web.Data;
using TauTauRun.Web.Development;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>
/// The suite's PostgreSQL: the server named by TAUTAURUN_TEST_DB (a connection string), or a throwaway
/// cluster from the system's binaries on a free port. One database, migrated once, reset with Respawn.
/// </summary>
public static class TestDatabase
{
    private const string DatabaseName = "tautaurun_test";
    private static LocalCluster? cluster;
    private static string? serverConnectionString;
    private static Respawner? respawner;

    public static string ConnectionString { get; private set; } = "";
    /// <summary>Everything the run writes; readable by the postgres user, which runs the cluster when we are root.</summary>
    public static string TempRoot { get; } = CreateTempRoot();

    private static string CreateTempRoot()
    {
        var root = Directory.CreateTempSubdirectory("tautaurun-tests-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        return root;
    }

    public static async Task StartAsync()
    {
        serverConnectionString = Environment.GetEnvironmentVariable("TAUTAURUN_TEST_DB");
        if (string.IsNullOrWhiteSpace(serverConnectionString))
        {
            cluster = new LocalCluster(Path.Combine(TempRoot, "pgdata"), LocalCluster.FreeTcpPort(), FastSettings);
            cluster.Start();
            serverConnectionString = cluster.ConnectionString("postgres");
        }
        ConnectionString = await CreateDatabaseAsync(DatabaseName);
        using (var migrator = new SchemaMigrator(ConnectionString))
            migrator.MigrateUp();

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        respawner = await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["public"],
            TablesToIgnore = [new Table(VersionTable.Name)],
            WithReseed = true,
        });
    }

    /// <summary>Durability is not under test here; the fault tests that need fsync start their own cluster.</summary>
    public static IReadOnlyDictionary<string, string> FastSettings { get; } = new Dictionary<string, string>
    {
        ["fsync"] = "off",
        ["synchronous_commit"] = "off",
        ["full_page_writes"] = "off",
    };

    /// <summary>Empties every table but the migration history.</summary>
    public static async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await respawner!.ResetAsync(connection);
    }

    /// <summary>A fresh, empty database on the same server, for tests that move the schema itself.</summary>
    public static async Task<string> CreateDatabaseAsync(string name)
    {
        var builder = new NpgsqlConnectionStringBuilder(serverConnectionString);
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync();
            var quoted = new NpgsqlCommandBuilder().QuoteIdentifier(name);
            await new NpgsqlCommand($"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", connection).ExecuteNonQueryAsync();
            await new NpgsqlCommand($"CREATE DATABASE {quoted}", connection).ExecuteNonQueryAsync();
        }
        NpgsqlConnection.ClearAllPools(); // pooled connections to a dropped database are dead
        builder.Database = name;
        return builder.ConnectionString;
    }

    public static void Stop()
    {
        NpgsqlConnection.ClearAllPools();
        cluster?.Stop("immediate");
        Directory.Delete(TempRoot, recursive: true);
    }
}
