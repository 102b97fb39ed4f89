using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// The slot trigger fires on capacity changes only, no longer on insert. A plain dump restores
/// <c>race_categories</c> with COPY, which fires insert triggers: the trigger made the slots and the
/// dump's own copy of <c>category_slots</c> then collided with them, so the plan's restore printed
/// errors. Code that adds a category now sets its capacity in a second statement
/// (<c>UPDATE race_categories SET capacity = capacity WHERE id = …</c>), which makes the slots.
/// </summary>
[Migration(11, "category slots on capacity changes only")]
public sealed class CategorySlotsOnCapacityOnly : Migration
{
    public override void Up() => Execute.Sql("""
        DROP TRIGGER race_categories_sync_slots ON race_categories;
        CREATE TRIGGER race_categories_sync_slots
            AFTER UPDATE OF capacity ON race_categories
            FOR EACH ROW EXECUTE FUNCTION sync_category_slots();
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER race_categories_sync_slots ON race_categories;
        CREATE TRIGGER race_categories_sync_slots
            AFTER INSERT OR UPDATE OF capacity ON race_categories
            FOR EACH ROW EXECUTE FUNCTION sync_category_slots();
        """);
}
