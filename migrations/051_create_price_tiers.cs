using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// A race's price tiers (early bird, regular, …), in order: a tier applies until its date passes or its
/// places run out, then the next; after the last, the race's own price. A "first N" tier has N rows in
/// <c>price_tier_slots</c>, claimed like the race's places (<c>FOR UPDATE SKIP LOCKED</c>, a unique
/// holder), so it is exact under a rush without a hot counter. Each runner keeps the tier that priced
/// them (<c>participants.price_tier_id</c>), so a tier already charged cannot be removed.
/// </summary>
[Migration(51, "price tiers")]
public sealed class CreatePriceTiers : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE price_tiers (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            category_id bigint NOT NULL REFERENCES race_categories (id) ON DELETE CASCADE,
            position integer NOT NULL CHECK (position > 0),
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 50 AND name !~ '[[:cntrl:]]'),
            price_minor bigint NOT NULL CHECK (price_minor >= 0),
            ends_at timestamptz,
            places integer CHECK (places BETWEEN 1 AND 100000),
            -- A tier without an end would hide every tier after it.
            CONSTRAINT price_tiers_has_end CHECK (ends_at IS NOT NULL OR places IS NOT NULL)
        );
        CREATE INDEX price_tiers_category ON price_tiers (category_id, position);

        CREATE TABLE price_tier_slots (
            tier_id bigint NOT NULL REFERENCES price_tiers (id) ON DELETE CASCADE,
            slot_no integer NOT NULL CHECK (slot_no > 0),
            participant_id bigint REFERENCES participants (id),
            PRIMARY KEY (tier_id, slot_no),
            CONSTRAINT price_tier_slots_participant_key UNIQUE (participant_id)
        );
        CREATE INDEX price_tier_slots_free ON price_tier_slots (tier_id, slot_no) WHERE participant_id IS NULL;

        ALTER TABLE participants ADD COLUMN price_tier_id bigint REFERENCES price_tiers (id);
        CREATE INDEX participants_price_tier ON participants (price_tier_id) WHERE price_tier_id IS NOT NULL;

        -- Exactly `places` slots per tier, whoever writes the tier; fewer than those taken is refused.
        CREATE FUNCTION sync_price_tier_slots() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            wanted integer := coalesce(NEW.places, 0);
            current_slots integer;
            removed integer;
        BEGIN
            SELECT count(*) INTO current_slots FROM price_tier_slots WHERE tier_id = NEW.id;
            IF wanted > current_slots THEN
                INSERT INTO price_tier_slots (tier_id, slot_no)
                SELECT NEW.id, coalesce((SELECT max(slot_no) FROM price_tier_slots WHERE tier_id = NEW.id), 0) + n
                FROM generate_series(1, wanted - current_slots) AS n;
            ELSIF wanted < current_slots THEN
                WITH gone AS (
                    DELETE FROM price_tier_slots
                    WHERE (tier_id, slot_no) IN (
                        SELECT tier_id, slot_no FROM price_tier_slots
                        WHERE tier_id = NEW.id AND participant_id IS NULL
                        ORDER BY slot_no DESC LIMIT current_slots - wanted
                        FOR UPDATE)
                    RETURNING 1)
                SELECT count(*) INTO removed FROM gone;
                IF removed < current_slots - wanted THEN
                    RAISE EXCEPTION 'places % are below the places already taken in price tier %', wanted, NEW.id
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'price_tiers_places_taken';
                END IF;
            END IF;
            RETURN NEW;
        END $$;

        CREATE TRIGGER price_tiers_sync_slots
            AFTER INSERT OR UPDATE OF places ON price_tiers
            FOR EACH ROW EXECUTE FUNCTION sync_price_tier_slots();
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE participants DROP COLUMN price_tier_id;
        DROP TABLE price_tier_slots;
        DROP TABLE price_tiers;
        DROP FUNCTION sync_price_tier_slots();
        """);
}
