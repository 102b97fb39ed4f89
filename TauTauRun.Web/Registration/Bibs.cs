using Dapper;
using Npgsql;

namespace TauTauRun.Web.Registration;

/// <summary>Bib numbers: each race hands them out from its own range, in the caller's transaction.</summary>
internal static class Bibs
{
    /// <summary>
    /// The next bib in the category's range: one above the highest ever given in it, so a bib is never
    /// handed out twice even after its runner cancelled. The category row is locked meanwhile, so two
    /// payments in one category queue for a moment instead of drawing the same number.
    /// </summary>
    public static async Task<int?> NextAsync(NpgsqlTransaction transaction, long categoryId)
    {
        var range = await transaction.Connection!.QuerySingleAsync<(int First, int Last)>(
            "SELECT bib_first, bib_last FROM race_categories WHERE id = @categoryId FOR UPDATE", new { categoryId }, transaction);
        var next = await transaction.Connection!.ExecuteScalarAsync<int>("""
            SELECT coalesce(max(bib) + 1, @First) FROM participants
            WHERE category_id = @categoryId AND bib BETWEEN @First AND @Last
            """, new { categoryId, range.First, range.Last }, transaction);
        return next <= range.Last ? next : null;
    }
}
