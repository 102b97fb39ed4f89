using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Race-day pickup: when a runner's bib was collected and their T-shirt handed out, and by whom (the
/// volunteer's name as it was then, like the audit log's actor). Null means not yet (or undone).
/// </summary>
[Migration(40, "check-in")]
public sealed class AddCheckin : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE participants
            ADD COLUMN bib_collected_at timestamptz,
            ADD COLUMN bib_collected_by text,
            ADD COLUMN tshirt_handed_at timestamptz,
            ADD COLUMN tshirt_handed_by text;
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE participants
            DROP COLUMN bib_collected_at,
            DROP COLUMN bib_collected_by,
            DROP COLUMN tshirt_handed_at,
            DROP COLUMN tshirt_handed_by;
        """);
}
