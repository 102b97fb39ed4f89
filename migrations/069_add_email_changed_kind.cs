using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// The notice to the address a runner replaced on their status page. Numbered after 042 (not in this
/// change's range 033-036): 042 redefines the kind list, and on a new database would drop this kind again.
/// </summary>
[Migration(69, "email changed notice")]
public sealed class AddEmailChangedKind : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_kind_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_kind_check CHECK (kind IN ('REGISTRATION_RECEIVED',
            'PAYMENT_CONFIRMED', 'REGISTRATION_CANCELLED', 'REGISTRATION_EXPIRED', 'WAITLIST_OFFER', 'STATUS_LINK',
            'WAITLIST_JOINED', 'PAYMENT_REMINDER', 'EMAIL_CHANGED'));
        """);

    public override void Down() => Execute.Sql("""
        DELETE FROM email_logs WHERE kind = 'EMAIL_CHANGED';
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_kind_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_kind_check CHECK (kind IN ('REGISTRATION_RECEIVED',
            'PAYMENT_CONFIRMED', 'REGISTRATION_CANCELLED', 'REGISTRATION_EXPIRED', 'WAITLIST_OFFER', 'STATUS_LINK',
            'WAITLIST_JOINED', 'PAYMENT_REMINDER'));
        """);
}
