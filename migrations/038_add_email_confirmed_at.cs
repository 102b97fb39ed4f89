using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// When the runner proved the address is theirs (opened an emailed link, or paid). Registrations made
/// before the rule count as confirmed at their creation, so none of them is released by it. The partial
/// index serves the sweep and the dashboard's count: the unconfirmed places are few at any time.
/// </summary>
[Migration(38, "email confirmed")]
public sealed class AddEmailConfirmedAt : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE participants ADD COLUMN email_confirmed_at timestamptz;
        UPDATE participants SET email_confirmed_at = created_at;
        CREATE INDEX participants_unconfirmed ON participants (status_changed_at)
            WHERE payment_status = 'PENDING' AND email_confirmed_at IS NULL;
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX participants_unconfirmed;
        ALTER TABLE participants DROP COLUMN email_confirmed_at;
        """);
}
