using System.Globalization;
using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using static TauTauRun.Web.Registration.ParticipantStatus;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Race-day pickup: find a runner as the volunteer has them (bib, reference or the QR code holding it,
/// a name fragment), then record "bib collected" and "T-shirt handed out" with who and when, or undo
/// either. Each mark is one conditional UPDATE, so when two phones mark the same runner at once exactly
/// one wins and the other is told who did it and when. Only paid runners collect anything.
/// </summary>
public sealed class CheckIn(NpgsqlDataSource dataSource)
{
    public const int MaxMatches = 20;

    private const string SelectRunner = """
        SELECT p.id, p.reference, p.full_name, c.name AS category_name, p.payment_status AS status, p.bib, p.tshirt_size,
               p.medical_notes, p.bib_collected_at, p.bib_collected_by, p.tshirt_handed_at, p.tshirt_handed_by
        FROM participants p JOIN race_categories c ON c.id = p.category_id
        """;

    public enum Item { Bib, Tshirt }

    /// <summary>A runner as the check-in table sees them.</summary>
    public sealed record Runner(long Id, string Reference, string FullName, string CategoryName, string Status, int? Bib,
        string TshirtSize, string MedicalNotes, DateTime? BibCollectedAt, string? BibCollectedBy, DateTime? TshirtHandedAt,
        string? TshirtHandedBy)
    {
        public bool MayCollect => Status == Paid;
    }

    public sealed record Outcome(bool Done, string Message);

    /// <summary>Per race: paid runners and how many collected their bib.</summary>
    public sealed record RaceCount(string Race, int Paid, int Collected);

    /// <summary>Per T-shirt size: paid runners and how many were handed theirs.</summary>
    public sealed record ShirtCount(string Size, int Paid, int Handed);

    /// <summary>
    /// Runners matching what was typed or scanned: a bib (digits), references anywhere in the text (the
    /// QR code holds just the reference), else a fragment of the name; at most <see cref="MaxMatches"/>.
    /// </summary>
    public async Task<IReadOnlyList<Runner>> FindAsync(string? query)
    {
        var text = RunnerInput.Line(query);
        if (text.Length == 0)
            return [];
        await using var connection = await dataSource.OpenConnectionAsync();
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bib))
            return (await connection.QueryAsync<Runner>($"{SelectRunner} WHERE p.bib = @bib ORDER BY p.id", new { bib })).AsList();
        if (References.FindAll(text) is { Count: > 0 } references)
            return (await connection.QueryAsync<Runner>($"{SelectRunner} WHERE p.reference = ANY(@references) ORDER BY p.id",
                new { references = references.ToArray() })).AsList();
        var pattern = "%" + text.ToLowerInvariant().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
        // search_text holds the name in lower case (with email, phone and reference) under a trigram index.
        return (await connection.QueryAsync<Runner>($"""
            {SelectRunner} WHERE p.search_text LIKE @pattern AND lower(p.full_name) LIKE @pattern
            ORDER BY (p.payment_status = '{Paid}') DESC, lower(p.full_name), p.id LIMIT {MaxMatches}
            """, new { pattern })).AsList();
    }

    public async Task<Runner?> GetAsync(long participantId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<Runner>($"{SelectRunner} WHERE p.id = @participantId", new { participantId });
    }

    /// <summary>
    /// Marks the item handed over (<paramref name="handed"/>) or undoes that. Done only if it was not
    /// already so: a second phone gets a message naming who did it and when (in <paramref name="zone"/>).
    /// </summary>
    public async Task<Outcome> MarkAsync(long participantId, Item item, bool handed, AuditActor actor, TimeZoneInfo zone)
    {
        var (at, by, what) = item == Item.Bib
            ? ("bib_collected_at", "bib_collected_by", "bib")
            : ("tshirt_handed_at", "tshirt_handed_by", "T-shirt");
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // The WHERE is checked again after a concurrent UPDATE of the row commits (READ COMMITTED), so
        // of two phones marking at once the second changes nothing and falls through to the message.
        var reference = await connection.ExecuteScalarAsync<string?>(handed
            ? $"""
               UPDATE participants SET {at} = now(), {by} = @Name
               WHERE id = @participantId AND {at} IS NULL AND payment_status = '{Paid}' AND bib IS NOT NULL
               RETURNING reference
               """
            : $"""
               UPDATE participants SET {at} = NULL, {by} = NULL
               WHERE id = @participantId AND {at} IS NOT NULL
               RETURNING reference
               """, new { participantId, actor.Name }, transaction);
        if (reference is not null)
        {
            await AuditLog.WriteAsync(transaction, actor, $"checkin.{(item == Item.Bib ? "bib" : "tshirt")}_{(handed ? "handed" : "undone")}",
                null, participantId);
            await transaction.CommitAsync();
            return new Outcome(true, handed ? $"{reference}: {what} handed out." : $"{reference}: {what} marked as not handed out.");
        }
        var runner = await GetAsync(participantId);
        if (runner is null)
            return new Outcome(false, "There is no such runner.");
        var (doneAt, doneBy) = item == Item.Bib ? (runner.BibCollectedAt, runner.BibCollectedBy) : (runner.TshirtHandedAt, runner.TshirtHandedBy);
        if (handed && doneAt is { } when)
            return new Outcome(false, $"{runner.Reference}: {what} was already handed out by {doneBy} at {Time(when, zone)}.");
        if (handed)
            return new Outcome(false, $"{runner.Reference} is {runner.Status}, not paid: nothing can be handed out. Send them to the payment desk.");
        return new Outcome(false, $"{runner.Reference}: the {what} was not marked as handed out (someone may just have undone it).");
    }

    /// <summary>Collected / paid per race and handed / paid per T-shirt size, counted now.</summary>
    public async Task<(IReadOnlyList<RaceCount> Races, IReadOnlyList<ShirtCount> Shirts)> CountsAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var races = await connection.QueryAsync<RaceCount>($"""
            SELECT c.name AS race, count(p.id)::int AS paid, count(p.bib_collected_at)::int AS collected
            FROM race_categories c LEFT JOIN participants p ON p.category_id = c.id AND p.payment_status = '{Paid}'
            GROUP BY c.id ORDER BY c.sort_order, c.name
            """);
        var shirts = await connection.QueryAsync<ShirtCount>($"""
            SELECT tshirt_size AS size, count(*)::int AS paid, count(tshirt_handed_at)::int AS handed
            FROM participants WHERE payment_status = '{Paid}'
            GROUP BY tshirt_size ORDER BY array_position(@order, tshirt_size), tshirt_size
            """, new { order = RunnerInput.TshirtSizes.ToArray() });
        return (races.AsList(), shirts.AsList());
    }

    /// <summary>Paid runners who have not collected their bib, by race and bib, streamed.</summary>
    public IAsyncEnumerable<Runner> NotCollected(NpgsqlConnection connection) =>
        connection.QueryUnbufferedAsync<Runner>($"""
            {SelectRunner}
            WHERE p.payment_status = '{Paid}' AND p.bib_collected_at IS NULL
            ORDER BY c.name, p.bib
            """);

    public static string Time(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("HH:mm", CultureInfo.InvariantCulture);
}
