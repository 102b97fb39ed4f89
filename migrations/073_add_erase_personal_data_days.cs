using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// How many days after the race start the runners' personal data may be erased (Indonesia's UU PDP:
/// kept no longer than the purpose needs). The erasure itself waits for an admin's confirmation.
/// </summary>
[Migration(73, "days until personal data is erased")]
public sealed class AddErasePersonalDataDays : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE event_settings ADD COLUMN erase_personal_data_days integer NOT NULL DEFAULT 90
            CHECK (erase_personal_data_days BETWEEN 1 AND 3650);
        """);

    public override void Down() => Execute.Sql("ALTER TABLE event_settings DROP COLUMN erase_personal_data_days;");
}
