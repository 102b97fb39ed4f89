using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Runners. <c>payment_status</c> is the registration's whole lifecycle (the plan queries it by that
/// name): PENDING and PAID hold a place, OFFERED holds one until <c>offer_expires_at</c>, WAITLISTED
/// waits for one, and CANCELLED, EXPIRED and REFUNDED have given theirs back. The secret status link
/// is stored only as its SHA-256, so a database copy cannot be used to open runners' pages.
/// </summary>
[Migration(4, "participants")]
public sealed class CreateParticipants : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE participants (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            reference text NOT NULL CHECK (reference ~ '^TTR-[0-9A-HJKMNP-TV-Z]{6}$'),
            access_token_hash bytea NOT NULL CHECK (octet_length(access_token_hash) = 32),
            category_id bigint NOT NULL REFERENCES race_categories (id),
            payment_status text NOT NULL CHECK (payment_status IN
                ('PENDING', 'PAID', 'WAITLISTED', 'OFFERED', 'CANCELLED', 'EXPIRED', 'REFUNDED')),
            full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 100 AND full_name !~ '[[:cntrl:]]'),
            email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email ~ '^[^@[:space:][:cntrl:]]+@[^@[:space:][:cntrl:]]+$'),
            phone text NOT NULL CHECK (phone ~ '^\+?[0-9]{6,15}$'),
            date_of_birth date NOT NULL CHECK (date_of_birth > DATE '1900-01-01'),
            gender text NOT NULL CHECK (gender IN ('F', 'M', 'X')),
            tshirt_size text NOT NULL CHECK (tshirt_size IN ('XS', 'S', 'M', 'L', 'XL', 'XXL')),
            emergency_contact_name text NOT NULL CHECK (length(emergency_contact_name) BETWEEN 1 AND 100 AND emergency_contact_name !~ '[[:cntrl:]]'),
            emergency_contact_phone text NOT NULL CHECK (emergency_contact_phone ~ '^\+?[0-9]{6,15}$'),
            medical_notes text NOT NULL DEFAULT '' CHECK (length(medical_notes) <= 1000),
            club text NOT NULL DEFAULT '' CHECK (length(club) <= 100 AND club !~ '[[:cntrl:]]'),
            amount_due_minor bigint NOT NULL CHECK (amount_due_minor >= 0),
            currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
            amount_paid_minor bigint CHECK (amount_paid_minor >= 0),
            payment_method text CHECK (payment_method IN ('BANK_TRANSFER', 'CASH', 'CARD', 'OTHER')),
            payment_bank_reference text CHECK (length(payment_bank_reference) <= 100),
            paid_on date,
            payment_recorded_by bigint REFERENCES admins (id),
            payment_recorded_at timestamptz,
            bib integer CHECK (bib > 0),
            offer_expires_at timestamptz,
            waiver_version text NOT NULL,
            waiver_accepted_at timestamptz NOT NULL,
            internal_notes text NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            status_changed_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT participants_reference_key UNIQUE (reference),
            CONSTRAINT participants_access_token_hash_key UNIQUE (access_token_hash),
            CONSTRAINT participants_bib_key UNIQUE (bib),
            CONSTRAINT participants_paid_has_payment CHECK
                (payment_status <> 'PAID' OR (amount_paid_minor IS NOT NULL AND paid_on IS NOT NULL AND bib IS NOT NULL)),
            CONSTRAINT participants_offer_has_deadline CHECK
                (payment_status <> 'OFFERED' OR offer_expires_at IS NOT NULL)
        );

        -- One active registration per address and category; a cancelled or expired one may register again.
        CREATE UNIQUE INDEX participants_active_email_per_category
            ON participants (category_id, lower(email))
            WHERE payment_status NOT IN ('CANCELLED', 'EXPIRED', 'REFUNDED');
        CREATE INDEX participants_category_status ON participants (category_id, payment_status);
        """);

    public override void Down() => Execute.Sql("DROP TABLE participants;");
}
