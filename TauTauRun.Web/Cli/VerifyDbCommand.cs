using Dapper;
using Npgsql;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Cli;

/// <summary>
/// <c>verify-db</c>: the plan's integrity check in one command. Prints where the database is, its size,
/// its schema version against this release's, and the plan's three counts; fails if the schema is behind.
/// </summary>
internal sealed class VerifyDbCommand : ICommand
{
    public string Name => "verify-db";
    public string Usage => "verify-db";

    public Func<IServiceProvider, TextWriter, Task> Prepare(string[] arguments)
    {
        if (arguments.Length > 0)
            throw new UsageException($"unexpected argument '{arguments[0]}'");
        return RunAsync;
    }

    private static async Task RunAsync(IServiceProvider services, TextWriter output)
    {
        var connectionString = Database.ConnectionString(services.GetRequiredService<IConfiguration>());
        output.WriteLine($"Database: {Database.Describe(connectionString)}");
        long version;
        using (var migrator = new SchemaMigrator(connectionString))
            version = migrator.CurrentVersion();
        output.WriteLine($"Schema version: {version} (this release: {SchemaMigrator.LatestVersion})");
        if (version < SchemaMigrator.LatestVersion)
            throw new CommandFailedException(
                $"the schema is at version {version} but this release needs {SchemaMigrator.LatestVersion}: run 'tautaurun migrate'");

        await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        var size = await connection.ExecuteScalarAsync<string>("SELECT pg_size_pretty(pg_database_size(current_database()))");
        output.WriteLine($"Database size: {size}");
        foreach (var table in new[] { "participants", "admins", "email_logs" })
        {
            var count = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
            output.WriteLine($"{table}: {count}");
        }
        output.WriteLine("OK");
    }
}
