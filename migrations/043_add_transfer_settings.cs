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
        -- Expand/contract: a release from before this one stores first-run settings without the column;
        -- there it starts as the edit deadline, as for an existing event.
        CREATE FUNCTION event_settings_transfer_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.transfer_deadline := coalesce(NEW.transfer_deadline, NEW.edit_deadline);
            RETURN NEW;
        END $$;
        CREATE TRIGGER event_settings_transfer_deadline BEFORE INSERT ON event_settings
            FOR EACH ROW EXECUTE FUNCTION event_settings_transfer_deadline();
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER event_settings_transfer_deadline ON event_settings;
        DROP FUNCTION event_settings_transfer_deadline();
        ALTER TABLE event_settings DROP COLUMN transfer_keeps_bib;
        ALTER TABLE event_settings DROP COLUMN transfer_deadline;
        """);
}
