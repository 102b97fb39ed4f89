using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// How many hours a new registration holds its place before its email address is confirmed (the runner
/// opens the link in the "registration received" email): a made-up address cannot keep a place.
/// </summary>
[Migration(37, "email confirmation deadline")]
public sealed class AddEmailConfirmHours : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE event_settings ADD COLUMN email_confirm_hours integer NOT NULL DEFAULT 24
            CHECK (email_confirm_hours BETWEEN 1 AND 720);
        """);

    public override void Down() => Execute.Sql("ALTER TABLE event_settings DROP COLUMN email_confirm_hours;");
}
