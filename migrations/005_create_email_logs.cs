using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// The email outbox: a row is written in the same transaction as the change that causes the message,
/// and a worker delivers it. The Message-ID is fixed at insert so a retried message is recognisable as
/// the same one. A claim is a lease (<c>claimed_until</c>) so a crashed worker's rows come back.
/// </summary>
[Migration(5, "email outbox")]
public sealed class CreateEmailLogs : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE email_logs (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            participant_id bigint REFERENCES participants (id),
            kind text NOT NULL CHECK (kind IN ('REGISTRATION_RECEIVED', 'PAYMENT_CONFIRMED',
                'REGISTRATION_CANCELLED', 'REGISTRATION_EXPIRED', 'WAITLIST_OFFER', 'STATUS_LINK')),
            recipient text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
            subject text NOT NULL,
            html_body text NOT NULL,
            text_body text NOT NULL,
            message_id text NOT NULL,
            status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'SENT', 'FAILED')),
            attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            last_error text,
            next_attempt_at timestamptz DEFAULT now(),
            claimed_until timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            sent_at timestamptz,
            CONSTRAINT email_logs_message_id_key UNIQUE (message_id),
            CONSTRAINT email_logs_sent_has_time CHECK (status <> 'SENT' OR sent_at IS NOT NULL)
        );

        CREATE INDEX email_logs_participant ON email_logs (participant_id);
        CREATE INDEX email_logs_due ON email_logs (next_attempt_at) WHERE status <> 'SENT';
        """);

    public override void Down() => Execute.Sql("DROP TABLE email_logs;");
}
