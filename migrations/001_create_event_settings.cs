using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>The event's own settings: one row, edited on admin pages; configuration only seeds it.</summary>
[Migration(1, "event settings")]
public sealed class CreateEventSettings : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE event_settings (
            id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            description text NOT NULL DEFAULT '',
            starts_at timestamptz NOT NULL,
            time_zone text NOT NULL,
            place text NOT NULL,
            bank_account_holder text NOT NULL DEFAULT '',
            bank_iban text NOT NULL DEFAULT '',
            bank_bic text NOT NULL DEFAULT '',
            bank_name text NOT NULL DEFAULT '',
            registration_opens_at timestamptz NOT NULL,
            registration_closes_at timestamptz NOT NULL,
            payment_deadline_days integer NOT NULL CHECK (payment_deadline_days BETWEEN 1 AND 365),
            edit_deadline timestamptz NOT NULL,
            waitlist_offer_hours integer NOT NULL CHECK (waitlist_offer_hours BETWEEN 1 AND 720),
            waiver_text text NOT NULL,
            waiver_version text NOT NULL CHECK (length(waiver_version) BETWEEN 1 AND 50),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CHECK (registration_closes_at > registration_opens_at)
        );
        """);

    public override void Down() => Execute.Sql("DROP TABLE event_settings;");
}
