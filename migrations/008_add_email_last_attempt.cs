using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// When delivery was last tried, for /health ("are the latest attempts failing?") and the admin email
/// log, with the indexes those two questions need at hundreds of thousands of rows.
/// </summary>
[Migration(8, "email last attempt")]
public sealed class AddEmailLastAttempt : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE email_logs ADD COLUMN last_attempt_at timestamptz;
        CREATE INDEX email_logs_last_attempt ON email_logs (last_attempt_at) WHERE last_attempt_at IS NOT NULL;
        CREATE INDEX email_logs_failed ON email_logs (participant_id) WHERE status = 'FAILED';
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX email_logs_failed;
        DROP INDEX email_logs_last_attempt;
        ALTER TABLE email_logs DROP COLUMN last_attempt_at;
        """);
}
