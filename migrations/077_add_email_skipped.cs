using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// SKIPPED: a group message not sent because its runner gave their place back after it was queued
/// (the worker decides when it claims the message). Kept, not deleted, so the run's progress and the
/// runner's page say what happened.
/// </summary>
[Migration(77, "email skipped status")]
public sealed class AddEmailSkipped : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_status_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_status_check CHECK (status IN ('QUEUED', 'SENT', 'FAILED', 'SKIPPED'));
        """);

    public override void Down() => Execute.Sql("""
        DELETE FROM email_logs WHERE status = 'SKIPPED';
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_status_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_status_check CHECK (status IN ('QUEUED', 'SENT', 'FAILED'));
        """);
}
