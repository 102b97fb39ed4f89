using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// A category's places as rows: exactly <c>capacity</c> slots per category, each held by at most one
/// runner. Taking a place is claiming a free slot (<c>FOR UPDATE SKIP LOCKED</c>), so concurrent
/// registrations lock different rows instead of queueing on one counter, and the unique slot holder
/// makes overselling impossible. The trigger keeps the slot count equal to the capacity; lowering
/// it below the places taken is refused here, whatever the caller.
/// </summary>
[Migration(9, "category slots and the waitlist-joined message")]
public sealed class CreateCategorySlots : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE category_slots (
            category_id bigint NOT NULL REFERENCES race_categories (id) ON DELETE CASCADE,
            slot_no integer NOT NULL CHECK (slot_no > 0),
            participant_id bigint REFERENCES participants (id),
            PRIMARY KEY (category_id, slot_no),
            CONSTRAINT category_slots_participant_key UNIQUE (participant_id)
        );
        -- Joining the waiting list has its own message (with the runner's status link).
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_kind_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_kind_check CHECK (kind IN ('REGISTRATION_RECEIVED',
            'PAYMENT_CONFIRMED', 'REGISTRATION_CANCELLED', 'REGISTRATION_EXPIRED', 'WAITLIST_OFFER', 'STATUS_LINK',
            'WAITLIST_JOINED'));

        CREATE INDEX category_slots_free ON category_slots (category_id, slot_no) WHERE participant_id IS NULL;

        CREATE FUNCTION sync_category_slots() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            current_slots integer;
            removed integer;
        BEGIN
            SELECT count(*) INTO current_slots FROM category_slots WHERE category_id = NEW.id;
            IF NEW.capacity > current_slots THEN
                INSERT INTO category_slots (category_id, slot_no)
                SELECT NEW.id, coalesce((SELECT max(slot_no) FROM category_slots WHERE category_id = NEW.id), 0) + n
                FROM generate_series(1, NEW.capacity - current_slots) AS n;
            ELSIF NEW.capacity < current_slots THEN
                WITH gone AS (
                    DELETE FROM category_slots
                    WHERE (category_id, slot_no) IN (
                        SELECT category_id, slot_no FROM category_slots
                        WHERE category_id = NEW.id AND participant_id IS NULL
                        ORDER BY slot_no DESC LIMIT current_slots - NEW.capacity
                        FOR UPDATE)
                    RETURNING 1)
                SELECT count(*) INTO removed FROM gone;
                IF removed < current_slots - NEW.capacity THEN
                    RAISE EXCEPTION 'capacity % is below the places already taken in category %', NEW.capacity, NEW.id
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'race_categories_capacity_taken';
                END IF;
            END IF;
            RETURN NEW;
        END $$;

        CREATE TRIGGER race_categories_sync_slots
            AFTER INSERT OR UPDATE OF capacity ON race_categories
            FOR EACH ROW EXECUTE FUNCTION sync_category_slots();

        -- Categories that already exist get their slots, and runners already holding places get one each.
        UPDATE race_categories SET capacity = capacity;
        UPDATE category_slots s SET participant_id = holder.id
        FROM (SELECT id, category_id, row_number() OVER (PARTITION BY category_id ORDER BY id) AS n
              FROM participants WHERE payment_status IN ('PENDING', 'PAID', 'OFFERED')) holder
        WHERE s.category_id = holder.category_id AND s.slot_no = holder.n;
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER race_categories_sync_slots ON race_categories;
        DROP FUNCTION sync_category_slots();
        DROP TABLE category_slots;
        DELETE FROM email_logs WHERE kind = 'WAITLIST_JOINED';
        ALTER TABLE email_logs DROP CONSTRAINT email_logs_kind_check;
        ALTER TABLE email_logs ADD CONSTRAINT email_logs_kind_check CHECK (kind IN ('REGISTRATION_RECEIVED',
            'PAYMENT_CONFIRMED', 'REGISTRATION_CANCELLED', 'REGISTRATION_EXPIRED', 'WAITLIST_OFFER', 'STATUS_LINK'));
        """);
}
