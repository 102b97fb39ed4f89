using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// The free-place indexes ordered by <c>slot_no + 0</c>, and every claim of a free place ordering by
/// that expression, so that the partial index is the only one that can give the claim its order.
/// Ordered by plain <c>slot_no</c>, the primary key (<c>category_id, slot_no</c>) gives the same order,
/// and the planner, costing both by statistics taken while the race was empty ("every slot is free"),
/// chose it: each claim then walked every taken slot before the first free one, 3.7 ms at 6,800 taken
/// against 0.07 ms by the partial index (bench/FINDINGS.md, scenario 1). Statistics say nothing about
/// which slots are taken, so no amount of ANALYZE makes the choice safe; an order only one index has does.
/// </summary>
[Migration(87, "free slot indexes by expression")]
public sealed class FreeSlotIndexesByExpression : Migration
{
    public override void Up() => Execute.Sql("""
        DROP INDEX category_slots_free;
        CREATE INDEX category_slots_free ON category_slots (category_id, (slot_no + 0)) WHERE participant_id IS NULL;
        DROP INDEX price_tier_slots_free;
        CREATE INDEX price_tier_slots_free ON price_tier_slots (tier_id, (slot_no + 0)) WHERE participant_id IS NULL;
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX category_slots_free;
        CREATE INDEX category_slots_free ON category_slots (category_id, slot_no) WHERE participant_id IS NULL;
        DROP INDEX price_tier_slots_free;
        CREATE INDEX price_tier_slots_free ON price_tier_slots (tier_id, slot_no) WHERE participant_id IS NULL;
        """);
}
