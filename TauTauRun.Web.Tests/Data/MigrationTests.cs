using Dapper;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Data;

/// <summary>Every migration goes up and comes back down, on a database of its own.</summary>
public sealed class MigrationTests
{
    private string connectionString = "";

    [SetUp]
    public async Task CreateEmptyDatabaseAsync() =>
        connectionString = await TestDatabase.CreateDatabaseAsync("tautaurun_migrations");

    [Test]
    public void Should_migrate_up_down_to_zero_and_up_again()
    {
        using var migrator = new SchemaMigrator(connectionString);

        migrator.MigrateUp();
        Assert.That(migrator.CurrentVersion(), Is.EqualTo(SchemaMigrator.LatestVersion));
        Assert.That(Tables(), Is.SupersetOf(new[] { "participants", "admins", "email_logs", "race_categories", "audit_log" }));

        migrator.MigrateDownTo(0);
        Assert.That(migrator.CurrentVersion(), Is.EqualTo(0));
        Assert.That(Tables().Except([VersionTable.Name]), Is.Empty, "every Down must drop what its Up created");

        migrator.MigrateUp();
        Assert.That(migrator.CurrentVersion(), Is.EqualTo(SchemaMigrator.LatestVersion));
    }

    [Test]
    public void Should_roll_back_one_migration_at_a_time()
    {
        using var migrator = new SchemaMigrator(connectionString);
        migrator.MigrateUp();

        foreach (var version in SchemaMigrator.Versions.Reverse().Skip(1).Append(0))
        {
            migrator.MigrateDownTo(version);
            Assert.That(migrator.CurrentVersion(), Is.EqualTo(version));
        }
    }

    [Test]
    public async Task Should_run_the_plans_four_queries_unchanged()
    {
        using (var migrator = new SchemaMigrator(connectionString))
            migrator.MigrateUp();
        await using var connection = new NpgsqlConnection(connectionString);

        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM participants;"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM admins;"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM email_logs;"), Is.Zero);
        var unsent = await connection.QueryAsync("""
            SELECT p.* FROM participants p
            LEFT JOIN email_logs e ON p.id = e.participant_id
            WHERE p.payment_status = 'PAID'
              AND (e.status = 'FAILED' OR e.status IS NULL);
            """);
        Assert.That(unsent, Is.Empty);
    }

    private List<string> Tables()
    {
        using var connection = new NpgsqlConnection(connectionString);
        return connection.Query<string>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").AsList();
    }
}
