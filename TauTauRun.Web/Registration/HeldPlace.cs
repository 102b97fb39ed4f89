using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Registration;

/// <summary>
/// A place about to be handed on or moved to another race. The runner reaches it by their status link,
/// which must still be the current one (a handed-on place's old link opens nothing); an admin by id,
/// and for a change only if nobody changed the runner since the admin's form was filled. Locked for a
/// change, two changes of one place queue on the row lock and the second sees the first.
/// </summary>
public sealed record HeldPlace(long Id, string Reference, string Status, string FullName, long CategoryId, string CategoryName,
    int MinimumAge, int? Bib, long AmountDueMinor, long? AmountPaidMinor, string Currency, DateOnly DateOfBirth, DateTime UpdatedAt)
{
    /// <summary>Who asks for the change, and how the place is found.</summary>
    public sealed record Who(AuditActor Actor, long? ParticipantId = null, DateTime? LoadedAt = null, string? StatusToken = null)
    {
        public bool IsRunner => StatusToken is not null;

        public static Who Runner(string statusToken, string? ip) => new(new AuditActor(null, "runner (status link)", ip), StatusToken: statusToken);

        /// <param name="loadedAt">The runner's <c>updated_at</c> when the admin's form was filled; null to look only.</param>
        public static Who Admin(long participantId, DateTime? loadedAt, AuditActor actor) => new(actor, participantId, loadedAt);
    }

    /// <summary>A race the place could move to, with its price and free places.</summary>
    public sealed record Race(long Id, string Name, long PriceMinor, string Currency, long PlacesLeft);

    /// <summary>The place, locked; null when the link is no longer current, or the runner is unknown or changed since.</summary>
    public static Task<HeldPlace?> LockAsync(NpgsqlTransaction transaction, Who who) =>
        transaction.Connection!.QuerySingleOrDefaultAsync<HeldPlace>(Select(who) + " FOR UPDATE OF p", Parameters(who), transaction);

    /// <summary>The place as it is now, for a page to show.</summary>
    public static Task<HeldPlace?> FindAsync(NpgsqlConnection connection, Who who) =>
        connection.QuerySingleOrDefaultAsync<HeldPlace>(Select(who), Parameters(who));

    /// <summary>The other races open for registration.</summary>
    public async Task<IReadOnlyList<Race>> OtherRacesAsync(NpgsqlConnection connection) =>
        (await connection.QueryAsync<Race>($"""
            SELECT c.id, c.name, c.price_minor, c.currency, {Races.PlacesLeft} AS places_left
            FROM race_categories c
            WHERE c.is_open AND c.id <> @CategoryId
            ORDER BY c.sort_order, c.name
            """, new { CategoryId })).AsList();

    private static string Select(Who who) => $"""
        SELECT p.id, p.reference, p.payment_status AS status, p.full_name, p.category_id, c.name AS category_name, c.minimum_age,
               p.bib, p.amount_due_minor, p.amount_paid_minor, p.currency, p.date_of_birth, p.updated_at
        FROM participants p JOIN race_categories c ON c.id = p.category_id
        WHERE {(who.IsRunner ? "p.access_token_hash = @hash" : who.LoadedAt is null ? "p.id = @ParticipantId" : "p.id = @ParticipantId AND p.updated_at = @LoadedAt")}
        """;

    private static object Parameters(Who who) =>
        new { hash = who.StatusToken is { } token ? StatusTokens.Hash(token) : null, who.ParticipantId, who.LoadedAt };
}
