using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Transfers and race changes: until when runners may make them on their status page (admins may at
/// any time; an existing event starts with its edit deadline), and whether a transferred place keeps
/// its bib or the new runner gets the next one in the race's range.
/// </summary>
[Migration(43, "transfer settings")]
public sealed class AddTransferSettings : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE event_settings ADD COLUMN transfer_deadline timestamptz;
        UPDATE event_settings SET transfer_deadline = edit_deadline;
        ALTER TABLE event_settings ALTER COLUMN transfer_deadline SET NOT NULL;
        ALTER TABLE event_settings ADD COLUMN transfer_keeps_bib boolean NOT NULL DEFAULT true;
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE event_settings DROP COLUMN transfer_keeps_bib;
        ALTER TABLE event_settings DROP COLUMN transfer_deadline;
        """);
}
