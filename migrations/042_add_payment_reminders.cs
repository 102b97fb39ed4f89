using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Payment reminders: how many days before a pending runner's payment deadline they are reminded (0:
/// never), when a runner was last reminded (once per pending period), and the email kind.
/// </summary>
[Migration(42, "payment reminders")]
public sealed class AddPaymentReminders : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE event_settings ADD COLUMN payment_reminder_days integer NOT NULL DEFAULT 0
            CHECK (payment_reminder_days BETWEEN 0 AND 365);
        ALTER TABLE participants ADD COLUMN payment_reminded_at timestamptz;
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_kind_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_kind_check CHECK (kind IN ('REGISTRATION_RECEIVED',
            'PAYMENT_CONFIRMED', 'REGISTRATION_CANCELLED', 'REGISTRATION_EXPIRED', 'WAITLIST_OFFER', 'STATUS_LINK',
            'WAITLIST_JOINED', 'PAYMENT_REMINDER'));
        """);

    public override void Down() => Execute.Sql("""
        DELETE FROM email_logs WHERE kind = 'PAYMENT_REMINDER';
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_kind_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_kind_check CHECK (kind IN ('REGISTRATION_RECEIVED',
            'PAYMENT_CONFIRMED', 'REGISTRATION_CANCELLED', 'REGISTRATION_EXPIRED', 'WAITLIST_OFFER', 'STATUS_LINK',
            'WAITLIST_JOINED'));
        ALTER TABLE participants DROP COLUMN payment_reminded_at;
        ALTER TABLE event_settings DROP COLUMN payment_reminder_days;
        """);
}
