using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// The messages of transfers and race changes: to the runner who handed their place on, to the one who
/// received it (with their new status link), and to a runner who changed race.
/// </summary>
[Migration(44, "transfer email kinds")]
public sealed class AddTransferEmailKinds : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_kind_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_kind_check CHECK (kind IN ('REGISTRATION_RECEIVED',
            'PAYMENT_CONFIRMED', 'REGISTRATION_CANCELLED', 'REGISTRATION_EXPIRED', 'WAITLIST_OFFER', 'STATUS_LINK',
            'WAITLIST_JOINED', 'PAYMENT_REMINDER', 'PLACE_TRANSFERRED', 'PLACE_RECEIVED', 'RACE_CHANGED'));
        """);

    public override void Down() => Execute.Sql("""
        DELETE FROM email_logs WHERE kind IN ('PLACE_TRANSFERRED', 'PLACE_RECEIVED', 'RACE_CHANGED');
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_kind_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_kind_check CHECK (kind IN ('REGISTRATION_RECEIVED',
            'PAYMENT_CONFIRMED', 'REGISTRATION_CANCELLED', 'REGISTRATION_EXPIRED', 'WAITLIST_OFFER', 'STATUS_LINK',
            'WAITLIST_JOINED', 'PAYMENT_REMINDER'));
        """);
}
