using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Admin;

/// <summary>The audit log only grows, except for the retention purge docs/OPERATIONS.md describes.</summary>
public sealed class AuditLogTests : DatabaseTest
{
    [SetUp]
    public async Task WriteRowsAsync()
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await AuditLog.WriteAsync(transaction, AuditActor.CommandLine, "test.recent");
        await AuditLog.WriteAsync(transaction, AuditActor.CommandLine, "test.old");
        await transaction.CommitAsync();
        // Made old the only way there is: with the guard off, as its owner could.
        await connection.ExecuteAsync("""
            ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
            UPDATE audit_log SET occurred_at = now() - interval '400 days' WHERE action = 'test.old';
            ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
            """);
    }

    [TestCase("UPDATE audit_log SET actor = 'someone else'")]
    [TestCase("DELETE FROM audit_log WHERE action = 'test.recent'")]
    [TestCase("DELETE FROM audit_log WHERE action = 'test.old'")]
    public async Task Update_and_delete_are_refused(string sql)
    {
        await using var connection = await OpenAsync();

        var refused = Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql));

        Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege));
        Assert.That(refused.MessageText, Does.Contain("append-only"));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE actor = 'command line'"), Is.EqualTo(2));
    }

    [Test]
    public async Task The_retention_purge_deletes_rows_older_than_a_year_and_refuses_newer_ones()
    {
        await using var connection = await OpenAsync();
        const string Purge = """
            BEGIN;
            SET LOCAL tautaurun.audit_purge = 'on';
            DELETE FROM audit_log WHERE occurred_at < now() - interval '1 year';
            COMMIT;
            """;

        Assert.That(await connection.ExecuteAsync(Purge), Is.EqualTo(1));
        Assert.That(await connection.QueryAsync<string>("SELECT action FROM audit_log"), Is.EqualTo(new[] { "test.recent" }));
        Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(
            "BEGIN; SET LOCAL tautaurun.audit_purge = 'on'; DELETE FROM audit_log; COMMIT;"));
    }
}
