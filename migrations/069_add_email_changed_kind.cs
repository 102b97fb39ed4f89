using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// The notice to the address a runner replaced on their status page. Numbered after 042 and 044, which
/// redefine the kind list: an earlier number would see this kind dropped again on a new database.
/// </summary>
[Migration(69, "email changed notice")]
public sealed class AddEmailChangedKind : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_kind_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_kind_check CHECK (kind IN ('REGISTRATION_RECEIVED',
            'PAYMENT_CONFIRMED', 'REGISTRATION_CANCELLED', 'REGISTRATION_EXPIRED', 'WAITLIST_OFFER', 'STATUS_LINK',
            'WAITLIST_JOINED', 'PAYMENT_REMINDER', 'PLACE_TRANSFERRED', 'PLACE_RECEIVED', 'RACE_CHANGED', 'EMAIL_CHANGED'));
        """);

    public override void Down() => Execute.Sql("""
        DELETE FROM email_logs WHERE kind = 'EMAIL_CHANGED';
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_kind_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_kind_check CHECK (kind IN ('REGISTRATION_RECEIVED',
            'PAYMENT_CONFIRMED', 'REGISTRATION_CANCELLED', 'REGISTRATION_EXPIRED', 'WAITLIST_OFFER', 'STATUS_LINK',
            'WAITLIST_JOINED', 'PAYMENT_REMINDER', 'PLACE_TRANSFERRED', 'PLACE_RECEIVED', 'RACE_CHANGED'));
        """);
}
