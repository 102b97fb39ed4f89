using System.Globalization;
using Dapper;
using Npgsql;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin.Participants;

/// <summary>
/// The participant list's query: any fragment of name, email, phone or reference, or a bib; filters;
/// sorting; keyset paging, so a page deep in the list costs what the first does (a trigram index and
/// one index per order).
/// </summary>
public static class ParticipantSearch
{
    /// <param name="Unconfirmed">Only places held by runners who have not confirmed their email address yet.</param>
    public sealed record Filter(string? Query, long? CategoryId, string? Status, string? Size, bool Unconfirmed, string Sort)
    {
        /// <summary>Anything narrower than the whole list (a selection an admin may act on as a whole).</summary>
        public bool Narrows => Search.Of(Query).Pattern is not null || CategoryId is not null || Status is not null || Size is not null || Unconfirmed;
    }

    /// <summary>The filter as SQL over <c>participants p</c>, with its parameters from <see cref="Parameters"/>.</summary>
    private const string Matches = $"""
        (@Pattern::text IS NULL OR p.search_text LIKE @Pattern OR p.bib = @Bib)
          AND (@CategoryId::bigint IS NULL OR p.category_id = @CategoryId)
          AND (@Status::text IS NULL OR p.payment_status = @Status)
          AND (@Size::text IS NULL OR p.tshirt_size = @Size)
          AND (NOT @Unconfirmed OR (p.payment_status = '{ParticipantStatus.Pending}' AND p.email_confirmed_at IS NULL))
        """;

    private static DynamicParameters Parameters(Filter filter)
    {
        var search = Search.Of(filter.Query);
        return new DynamicParameters(new { search.Pattern, search.Bib, filter.CategoryId, filter.Status, filter.Size, filter.Unconfirmed });
    }

    private static readonly string MatchesActive = $"{Matches} AND p.payment_status IN {ParticipantStatus.SqlList(ParticipantStatus.Active)}";

    /// <summary>Every runner the filter matches who is still in the race (not only one page): what a bulk action acts on.</summary>
    public static async Task<IReadOnlyList<long>> ActiveIdsAsync(NpgsqlConnection connection, Filter filter) =>
        (await connection.QueryAsync<long>($"SELECT p.id FROM participants p WHERE {MatchesActive} ORDER BY p.id", Parameters(filter))).AsList();

    /// <summary>How many <see cref="ActiveIdsAsync"/> would return, counted in the database.</summary>
    public static Task<int> CountActiveAsync(NpgsqlConnection connection, Filter filter) =>
        connection.ExecuteScalarAsync<int>($"SELECT count(*) FROM participants p WHERE {MatchesActive}", Parameters(filter));

    /// <summary>A page of rows, and the cursor of the next page when there is one.</summary>
    public sealed record Found(IReadOnlyList<Row> Rows, string? Next);

    public static async Task<Found> PageAsync(NpgsqlConnection connection, Filter filter, Cursor? cursor, int pageSize)
    {
        var parameters = Parameters(filter);
        parameters.AddDynamicParams(new
        {
            Limit = pageSize + 1, AfterText = cursor?.Text, AfterNumber = cursor?.Number, AfterTime = cursor?.Time, AfterId = cursor?.Id,
        });
        var rows = (await connection.QueryAsync<Row>($"""
            SELECT p.id, p.reference, p.full_name, p.email, p.phone, p.payment_status, p.bib, p.tshirt_size,
                   p.amount_due_minor, p.currency, p.created_at, p.email_confirmed_at, c.name AS category_name
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            WHERE {Matches}
              AND {SortOrder.After(filter.Sort)}
            ORDER BY {SortOrder.By(filter.Sort)}
            LIMIT @Limit
            """, parameters)).AsList();
        return new Found(rows.Take(pageSize).ToList(), rows.Count > pageSize ? Cursor.Of(rows[pageSize - 1], filter.Sort) : null);
    }

    public sealed record Row(long Id, string Reference, string FullName, string Email, string Phone, string PaymentStatus, int? Bib,
        string TshirtSize, long AmountDueMinor, string Currency, DateTime CreatedAt, DateTime? EmailConfirmedAt, string CategoryName);

    /// <summary>What was typed: a fragment of the search text (phone-like input without its separators), and a bib if it is one.</summary>
    private sealed record Search(string? Pattern, int? Bib)
    {
        public static Search Of(string? query)
        {
            var text = RunnerInput.Line(query).ToLowerInvariant();
            if (text.Length == 0)
                return new Search(null, null);
            // A phone number as typed locally (06 1234 5678) is found in its stored international form
            // (+31612345678) by dropping separators and the trunk 0.
            if (RunnerInput.Phone(text) is { } phone && phone.Length >= 6)
                text = phone.StartsWith('0') && !phone.StartsWith("00") ? phone[1..] : phone;
            var escaped = text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");
            return new Search($"%{escaped}%", int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bib) ? bib : null);
        }
    }

    /// <summary>The keyset: the last row's sort value and id, as "value~id" in the link.</summary>
    public sealed record Cursor(string? Text, long? Number, DateTime? Time, long Id)
    {
        public static string Of(Row row, string sort) => sort switch
        {
            "name" => $"{row.FullName.ToLowerInvariant()}~{row.Id}",
            "bib" => $"{row.Bib ?? int.MaxValue}~{row.Id}",
            "reference" => $"{row.Reference}~{row.Id}",
            _ => $"{row.CreatedAt.Ticks}~{row.Id}",
        };

        public static Cursor? Parse(string? value, string sort)
        {
            var cut = value?.LastIndexOf('~') ?? -1;
            if (cut < 0 || !long.TryParse(value![(cut + 1)..], out var id))
                return null;
            var key = value[..cut];
            return sort switch
            {
                "name" or "reference" => new Cursor(key, null, null, id),
                "bib" when long.TryParse(key, out var bib) => new Cursor(null, bib, null, id),
                "newest" when long.TryParse(key, out var ticks) && ticks is >= 0 and <= 3155378975999999999 =>
                    new Cursor(null, null, new DateTime(ticks, DateTimeKind.Utc), id),
                _ => null,
            };
        }
    }

    /// <summary>ORDER BY and the matching "after the cursor" condition for each sort; both use the same indexes.</summary>
    private static class SortOrder
    {
        public static string By(string sort) => sort switch
        {
            "name" => "lower(p.full_name), p.id",
            "bib" => "coalesce(p.bib, 2147483647), p.id",
            "reference" => "p.reference, p.id",
            _ => "p.created_at DESC, p.id DESC",
        };

        public static string After(string sort) => sort switch
        {
            "name" => "(@AfterText::text IS NULL OR (lower(p.full_name), p.id) > (@AfterText, @AfterId))",
            "bib" => "(@AfterNumber::bigint IS NULL OR (coalesce(p.bib, 2147483647), p.id) > (@AfterNumber, @AfterId))",
            "reference" => "(@AfterText::text IS NULL OR (p.reference, p.id) > (@AfterText, @AfterId))",
            _ => "(@AfterTime::timestamptz IS NULL OR (p.created_at, p.id) < (@AfterTime, @AfterId))",
        };
    }
}
