namespace TauTauRun.Web.Registration;

/// <summary>
/// How a free place is found: the lowest free slot, by the partial index <c>category_slots_free</c>
/// (and <c>price_tier_slots_free</c> for a tier's places). Both are ordered by <c>slot_no + 0</c>, an
/// order the primary key cannot give, so the planner cannot walk the taken slots instead (migration 87).
/// </summary>
public static class FreeSlots
{
    /// <summary>The free-slot indexes' order; every query for a free slot orders by it.</summary>
    public const string Order = "slot_no + 0";

    /// <summary>
    /// Locks the lowest free slot of the race in <paramref name="categoryParameter"/> that no other
    /// transaction holds. Use it in a <c>MATERIALIZED</c> CTE: as a subquery it can be rescanned, and
    /// each rescan skips the slot the statement just took and returns the next.
    /// </summary>
    public static string Claim(string categoryParameter) => $"""
        SELECT slot_no FROM category_slots
        WHERE category_id = {categoryParameter} AND participant_id IS NULL
        ORDER BY {Order} LIMIT 1 FOR UPDATE SKIP LOCKED
        """;
}
