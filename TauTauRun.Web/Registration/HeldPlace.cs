using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Registration;

/// <summary>
/// A place about to be handed on or moved, locked for the caller's transaction. The runner reaches it
/// by their status link, which must still be the current one (a handed-on place's old link opens
/// nothing); an admin by id, and only if nobody changed the runner since the admin's form was filled.
/// Either way two changes of one place queue on the row lock and the second sees the first.
/// </summary>
public sealed record HeldPlace(long Id, string Reference, string Status, long CategoryId, string CategoryName, int? Bib,
    long AmountDueMinor, long? AmountPaidMinor, string Currency, DateOnly DateOfBirth)
{
    /// <summary>Who asks for the change, and how the place is found.</summary>
    public sealed record Who(AuditActor Actor, long? ParticipantId = null, DateTime? LoadedAt = null, string? StatusToken = null)
    {
        public bool IsRunner => StatusToken is not null;

        public static Who Runner(string statusToken, string? ip) => new(new AuditActor(null, "runner (status link)", ip), StatusToken: statusToken);

        public static Who Admin(long participantId, DateTime loadedAt, AuditActor actor) => new(actor, participantId, loadedAt);
    }

    /// <summary>The place, locked; null when the link is no longer current, or the runner is unknown or changed since.</summary>
    public static Task<HeldPlace?> LockAsync(NpgsqlTransaction transaction, Who who) =>
        transaction.Connection!.QuerySingleOrDefaultAsync<HeldPlace>($"""
            SELECT p.id, p.reference, p.payment_status AS status, p.category_id, c.name AS category_name, p.bib,
                   p.amount_due_minor, p.amount_paid_minor, p.currency, p.date_of_birth
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            WHERE {(who.IsRunner ? "p.access_token_hash = @hash" : "p.id = @ParticipantId AND p.updated_at = @LoadedAt")}
            FOR UPDATE OF p
            """, new { hash = who.StatusToken is { } token ? StatusTokens.Hash(token) : null, who.ParticipantId, who.LoadedAt }, transaction);
}
