using Dapper;
using Npgsql;

namespace TauTauRun.Web.Registration;

/// <summary>The one statement that moves a runner from one status to another, with the time of the change.</summary>
internal static class StatusChange
{
    /// <summary>What every status change also sets: when it changed (the payment deadline counts from it) and when the row did.</summary>
    public const string Stamp = "status_changed_at = now(), updated_at = now()";

    /// <summary>
    /// Moves the runner to <paramref name="to"/> if their status is one of <paramref name="from"/> (and
    /// <paramref name="andWhere"/> holds); an offer's deadline goes with the offer. False if nothing moved.
    /// </summary>
    public static async Task<bool> MoveAsync(NpgsqlTransaction transaction, long participantId, string to, IReadOnlyList<string> from,
        string andWhere = "TRUE") =>
        await transaction.Connection!.ExecuteAsync($"""
            UPDATE participants SET payment_status = @to, offer_expires_at = NULL, {Stamp}
            WHERE id = @participantId AND payment_status = ANY(@from) AND {andWhere}
            """, new { participantId, to, from = from.ToArray() }, transaction) == 1;
}
