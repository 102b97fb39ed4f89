using Dapper;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Cli;

/// <summary>The published binary's commands, run as a sysadmin runs them, against a database of their own.</summary>
public sealed class CommandLineTests
{
    private string logDirectory = "";
    private Dictionary<string, string> environment = [];

    [SetUp]
    public async Task CreateEmptyDatabaseAsync()
    {
        logDirectory = System.IO.Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "logs", Guid.NewGuid().ToString("N"))).FullName;
        environment = PublishedApp.Environment(logDirectory, await TestDatabase.CreateDatabaseAsync("tautaurun_cli"));
    }

    [Test]
    public async Task Migrate_brings_an_empty_database_to_the_latest_version_and_is_safe_to_run_twice()
    {
        var first = await PublishedApp.RunCommandAsync(environment, "migrate");
        Assert.That(first.ExitCode, Is.Zero, first.Error);
        Assert.That(first.Output, Does.Contain($"Schema migrated from version 0 to {SchemaMigrator.LatestVersion}."));

        var second = await PublishedApp.RunCommandAsync(environment, "migrate");
        Assert.That(second.ExitCode, Is.Zero, second.Error);
        Assert.That(second.Output, Does.Contain("Nothing to do"));
        Assert.That(SchemaVersion(), Is.EqualTo(SchemaMigrator.LatestVersion));
    }

    [Test]
    public async Task Migrate_waits_while_another_process_holds_the_migration_lock()
    {
        var migrationLock = await SchemaMigrator.LockAsync(environment["ConnectionStrings__Default"]);
        var run = PublishedApp.RunCommandAsync(environment, "migrate");

        // Either the command shows up waiting for the advisory lock, or it ends without having waited.
        var waited = false;
        while (!waited && !run.IsCompleted)
        {
            await using var connection = new NpgsqlConnection(environment["ConnectionStrings__Default"]);
            waited = await connection.ExecuteScalarAsync<bool>("SELECT exists (SELECT FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)");
            await Task.Delay(100);
        }
        Assert.That(TableExists("participants"), Is.False, "nothing migrated while the lock was held");
        await migrationLock.DisposeAsync();
        var result = await run;

        Assert.That(waited, Is.True, "migrate ran without waiting for the lock");
        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(SchemaVersion(), Is.EqualTo(SchemaMigrator.LatestVersion));
    }

    [Test]
    public async Task Migrate_down_to_rolls_back_the_newer_migrations()
    {
        await PublishedApp.RunCommandAsync(environment, "migrate");

        var result = await PublishedApp.RunCommandAsync(environment, "migrate", "--down-to", "3");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain($"Schema rolled back from version {SchemaMigrator.LatestVersion} to 3."));
        Assert.That(SchemaVersion(), Is.EqualTo(3));
        Assert.That(TableExists("admins"), Is.True);
        Assert.That(TableExists("participants"), Is.False);
        var again = await PublishedApp.RunCommandAsync(environment, "migrate", "--down-to", "3");
        Assert.That(again.ExitCode, Is.Zero, again.Error);
        Assert.That(again.Output, Does.Contain("Nothing to roll back"));
    }

    [Test]
    public async Task Verify_db_prints_the_plans_counts_and_the_schema_version()
    {
        await PublishedApp.RunCommandAsync(environment, "migrate");
        await using (var connection = new NpgsqlConnection(environment["ConnectionStrings__Default"]))
            await connection.ExecuteAsync("INSERT INTO admins (username, display_name, password_hash, role) VALUES ('ops', 'Ops', 'x', 'admin')");

        var result = await PublishedApp.RunCommandAsync(environment, "verify-db");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain($"Schema version: {SchemaMigrator.LatestVersion} (this release: {SchemaMigrator.LatestVersion})"));
        Assert.That(result.Output, Does.Contain("participants: 0"));
        Assert.That(result.Output, Does.Contain("admins: 1"));
        Assert.That(result.Output, Does.Contain("email_logs: 0"));
    }

    [Test]
    public async Task Verify_db_fails_when_the_schema_is_behind_the_release()
    {
        await PublishedApp.RunCommandAsync(environment, "migrate");
        await PublishedApp.RunCommandAsync(environment, "migrate", "--down-to", "2");

        var result = await PublishedApp.RunCommandAsync(environment, "verify-db");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Error.Trim(), Does.Contain("run 'tautaurun migrate'"));
    }

    [TestCase(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [TestCase(new[] { "migrate", "--down-to", "yesterday" }, "'yesterday' is not a migration version")]
    [TestCase(new[] { "migrate", "--sideways" }, "unexpected argument '--sideways'")]
    [TestCase(new[] { "verify-db", "now" }, "unexpected argument 'now'")]
    public async Task A_wrong_command_line_exits_2_with_one_clear_line(string[] arguments, string message)
    {
        var result = await PublishedApp.RunCommandAsync(environment, arguments);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.Error, Does.StartWith("tautaurun: ").And.Contain(message));
    }

    [Test]
    public async Task A_missing_connection_string_names_the_setting_in_one_line()
    {
        environment["ConnectionStrings__Default"] = "";

        var result = await PublishedApp.RunCommandAsync(environment, "migrate");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.Error, Does.Contain("ConnectionStrings__Default is not set"));
    }

    [Test]
    public async Task An_unreachable_database_is_one_line_without_the_password()
    {
        environment["ConnectionStrings__Default"] =
            $"Host=127.0.0.1;Port={Web.Development.LocalCluster.FreeTcpPort()};Database=x;Username=u;Password=hunter2-secret";

        var result = await PublishedApp.RunCommandAsync(environment, "verify-db");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.Error + result.Output, Does.Not.Contain("hunter2-secret"));
    }

    private long SchemaVersion()
    {
        using var connection = new NpgsqlConnection(environment["ConnectionStrings__Default"]);
        return connection.ExecuteScalar<long?>($"SELECT max(version) FROM {VersionTable.Name}") ?? 0;
    }

    private bool TableExists(string table)
    {
        using var connection = new NpgsqlConnection(environment["ConnectionStrings__Default"]);
        return connection.ExecuteScalar<bool>("SELECT to_regclass(@table) IS NOT NULL", new { table });
    }
}
