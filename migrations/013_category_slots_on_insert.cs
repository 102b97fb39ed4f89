using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Every race gets its places when it is inserted, however it is inserted (the admin page, plain SQL,
/// demo data, tests): the slot trigger fires on INSERT again, as it did before migration 11. The plan's
/// restore is unaffected: a plain dump creates its triggers after its data (pg_dump's post-data
/// section), so neither the dump's COPY of <c>race_categories</c> nor its copy of <c>category_slots</c>
/// ever meets the trigger; a test restores such a dump over a live database with no error.
/// </summary>
[Migration(13, "category slots on insert")]
public sealed class CategorySlotsOnInsert : Migration
{
    public override void Up() => Execute.Sql("""
        DROP TRIGGER race_categories_sync_slots ON race_categories;
        CREATE TRIGGER race_categories_sync_slots
            AFTER INSERT OR UPDATE OF capacity ON race_categories
            FOR EACH ROW EXECUTE FUNCTION sync_category_slots();
        -- Races inserted while the trigger slept and never given their places get them now.
        UPDATE race_categories c SET capacity = capacity
        WHERE NOT EXISTS (SELECT 1 FROM category_slots s WHERE s.category_id = c.id);
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER race_categories_sync_slots ON race_categories;
        CREATE TRIGGER race_categories_sync_slots
            AFTER UPDATE OF capacity ON race_categories
            FOR EACH ROW EXECUTE FUNCTION sync_category_slots();
        """);
}
