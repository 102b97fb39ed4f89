using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>
/// The plan's database on the suite's server: role <c>tautaurun</c> owning <c>tau_tau_run_prod</c>,
/// migrated by that role as the installer does, and filled with <c>SampleData.sql</c>. The plan's
/// commands then run verbatim (<c>psql -h localhost -U tautaurun -d tau_tau_run_prod</c>) with only
/// <c>PGPORT</c> pointing at the suite's server.
/// </summary>
public static class ProductionLikeDatabase
{
    public const string Name = "tau_tau_run_prod";
    public const string Role = "tautaurun";
    /// <summary>
    /// Damage for restore tests: audit_log refuses DELETE (migration 35), so its trigger is switched off
    /// around it (all user triggers, so it also works on a schema from before that migration).
    /// </summary>
    public const string EmptyAuditLog = "ALTER TABLE audit_log DISABLE TRIGGER USER; DELETE FROM audit_log; ALTER TABLE audit_log ENABLE TRIGGER USER;";

    private static NpgsqlConnectionStringBuilder Server => new(TestDatabase.ConnectionString);

    /// <summary>libpq's environment for the scripts: the server, the role and the database.</summary>
    public static Dictionary<string, string> Environment(string? database = Name) => new()
    {
        ["PGHOST"] = "localhost",
        ["PGPORT"] = Server.Port.ToString(),
        ["PGUSER"] = Role,
        ["PGDATABASE"] = database ?? Name,
    };

    public static string ConnectionString(string database = Name) =>
        new NpgsqlConnectionStringBuilder(TestDatabase.ConnectionString) { Username = Role, Database = database }.ConnectionString;

    /// <summary>Drops and recreates the database, migrates it and loads the sample rows.</summary>
    public static async Task CreateAsync(int participants = 300, string name = Name)
    {
        await using (var connection = new NpgsqlConnection(TestDatabase.ConnectionString))
        {
            await connection.OpenAsync();
            // One statement per command: DROP and CREATE DATABASE refuse to run inside a transaction.
            foreach (var statement in new[]
            {
                $"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{Role}') THEN CREATE ROLE {Role} LOGIN CREATEDB; END IF; END $$",
                $"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                $"CREATE DATABASE {name} OWNER {Role}",
            })
                await new NpgsqlCommand(statement, connection).ExecuteNonQueryAsync();
        }
        NpgsqlConnection.ClearAllPools();
        using (var migrator = new SchemaMigrator(ConnectionString(name)))
            migrator.MigrateUp();
        var sampleData = Path.Combine(PublishedApp.RepositoryRoot(), "TauTauRun.Web.Tests", "Operations", "SampleData.sql");
        var load = await Shell.RunAsync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", $"participants={participants}", "-f", sampleData],
            Environment(name));
        Assert.That(load.ExitCode, Is.Zero, load.Error);
    }

    /// <summary>Every table's row count and content hash, to compare two states exactly.</summary>
    public static async Task<Dictionary<string, string>> FingerprintAsync(string database = Name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        var fingerprints = new Dictionary<string, string>();
        foreach (var table in tables)
        {
            await using var hash = new NpgsqlCommand(
                $"SELECT count(*) || ' rows, md5 ' || md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM \"{table}\" t", connection);
            fingerprints[table] = (string)(await hash.ExecuteScalarAsync())!;
        }
        return fingerprints;
    }

    public static async Task ExecuteAsync(string sql, string database = Name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await new NpgsqlCommand(sql, connection).ExecuteNonQueryAsync();
    }
}
