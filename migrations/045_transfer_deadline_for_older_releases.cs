using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Expand/contract for migration 43's NOT NULL <c>transfer_deadline</c>: a release from before it stores
/// its first-run settings (and the backup tests their sample) without the column; such a row starts with
/// the edit deadline, as an existing event did.
/// </summary>
[Migration(45, "transfer deadline for older releases")]
public sealed class TransferDeadlineForOlderReleases : Migration
{
    public override void Up() => Execute.Sql("""
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
        """);
}
