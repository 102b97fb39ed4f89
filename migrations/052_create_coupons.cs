using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Coupon codes: a percentage or a fixed amount off, for some races (none listed: every race), within a
/// validity window, at most <c>max_uses</c> times. A use is counted on the coupon's row in the
/// registration's transaction; the row lock queues only runners typing the same code, and the CHECK
/// makes one use too many impossible whatever the caller. Codes are stored in capitals and typed in any case.
/// </summary>
[Migration(52, "coupons")]
public sealed class CreateCoupons : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE coupons (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            code text NOT NULL CHECK (code ~ '^[A-Z0-9-]{3,32}$'),
            percent_off integer CHECK (percent_off BETWEEN 1 AND 100),
            amount_off_minor bigint CHECK (amount_off_minor > 0),
            currency char(3) CHECK (currency ~ '^[A-Z]{3}$'),
            max_uses integer NOT NULL CHECK (max_uses BETWEEN 1 AND 1000000),
            uses integer NOT NULL DEFAULT 0,
            valid_from timestamptz,
            valid_until timestamptz,
            note text NOT NULL DEFAULT '' CHECK (length(note) <= 200 AND note !~ '[[:cntrl:]]'),
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT coupons_code_key UNIQUE (code),
            CONSTRAINT coupons_use_limit CHECK (uses BETWEEN 0 AND max_uses),
            CONSTRAINT coupons_one_discount CHECK ((percent_off IS NULL) <> (amount_off_minor IS NULL)),
            CONSTRAINT coupons_amount_has_currency CHECK ((amount_off_minor IS NULL) = (currency IS NULL)),
            CONSTRAINT coupons_window CHECK (valid_until > valid_from)
        );
        CREATE TABLE coupon_races (
            coupon_id bigint NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
            category_id bigint NOT NULL REFERENCES race_categories (id) ON DELETE CASCADE,
            PRIMARY KEY (coupon_id, category_id)
        );
        ALTER TABLE participants
            ADD COLUMN coupon_id bigint REFERENCES coupons (id),
            ADD COLUMN discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
            ADD CONSTRAINT participants_discount_has_coupon CHECK (coupon_id IS NOT NULL OR discount_minor = 0);
        CREATE INDEX participants_coupon ON participants (coupon_id) WHERE coupon_id IS NOT NULL;
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE participants DROP COLUMN coupon_id, DROP COLUMN discount_minor;
        DROP TABLE coupon_races;
        DROP TABLE coupons;
        """);
}
