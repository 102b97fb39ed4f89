using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin.Participants;

/// <summary>
/// Runners: search by any fragment of name, email, phone or reference, or by bib; filters; sorting;
/// keyset paging (a page deep in the list costs what the first does). Admins can mark selected runners paid.
/// </summary>
public sealed class ParticipantListModel(NpgsqlDataSource dataSource, AdminChanges changes) : PageModel
{
    public const int PageSize = 50;
    public static IReadOnlyList<string> Statuses => ParticipantStatus.All;
    public static readonly IReadOnlyDictionary<string, string> Sorts = new Dictionary<string, string>
    {
        ["newest"] = "Newest first", ["name"] = "Name", ["bib"] = "Bib", ["reference"] = "Reference",
    };

    [FromQuery(Name = "q")] public string? Query { get; set; }
    [FromQuery(Name = "category")] public long? CategoryId { get; set; }
    [FromQuery(Name = "status")] public string? Status { get; set; }
    [FromQuery(Name = "size")] public string? Size { get; set; }
    [FromQuery(Name = "sort")] public string? SortBy { get; set; }
    public string Sort => SortBy ?? "newest";
    [FromQuery(Name = "after")] public string? After { get; set; }

    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public IReadOnlyList<(long Id, string Name)> Categories { get; private set; } = [];
    /// <summary>The cursor of the next page, when there is one.</summary>
    public string? Next { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!Sorts.ContainsKey(Sort) || (Status is not null && !Statuses.Contains(Status))
            || (Size is not null && !RunnerInput.TshirtSizes.Contains(Size)) || !ModelState.IsValid)
            return BadRequest("Unknown filter or sort value.");
        var cursor = Cursor.Parse(After, Sort);
        if (After is not null && cursor is null)
            return BadRequest("That page link is not valid; start again from the first page.");

        await using var connection = await dataSource.OpenConnectionAsync();
        Categories = (await connection.QueryAsync<(long, string)>("SELECT id, name FROM race_categories ORDER BY sort_order, name")).AsList();
        var search = Search.Of(Query);
        var rows = (await connection.QueryAsync<Row>($"""
            SELECT p.id, p.reference, p.full_name, p.email, p.phone, p.payment_status, p.bib, p.tshirt_size,
                   p.amount_due_minor, p.currency, p.created_at, c.name AS category_name
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            WHERE (@Pattern::text IS NULL OR p.search_text LIKE @Pattern OR p.bib = @Bib)
              AND (@CategoryId::bigint IS NULL OR p.category_id = @CategoryId)
              AND (@Status::text IS NULL OR p.payment_status = @Status)
              AND (@Size::text IS NULL OR p.tshirt_size = @Size)
              AND {SortOrder.After(Sort)}
            ORDER BY {SortOrder.By(Sort)}
            LIMIT @Limit
            """, new
        {
            search.Pattern, search.Bib, CategoryId, Status, Size, Limit = PageSize + 1,
            AfterText = cursor?.Text, AfterNumber = cursor?.Number, AfterTime = cursor?.Time, AfterId = cursor?.Id,
        })).AsList();
        if (rows.Count > PageSize)
            Next = Cursor.Of(rows[PageSize - 1], Sort);
        Rows = rows.Take(PageSize).ToList();
        return Page();
    }

    /// <summary>Marks the ticked runners paid with the amount due, by bank transfer, today; each on its own.</summary>
    public async Task<IActionResult> OnPostMarkPaidAsync(long[] selected)
    {
        if (selected.Length is 0 or > PageSize)
        {
            TempData["Message"] = "Tick the runners to mark paid (at most one page at a time).";
            return Redirect(Request.Path + Request.QueryString);
        }
        var actor = AuditActor.Of(HttpContext);
        var done = new List<string>();
        var refused = new List<string>();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var due = await connection.QueryAsync<(long Id, long Amount)>(
                "SELECT id, amount_due_minor FROM participants WHERE id = ANY(@selected)", new { selected });
            foreach (var (id, amount) in due)
            {
                var outcome = await changes.MarkPaidAsync(id, new AdminChanges.Payment(amount, "BANK_TRANSFER", null, DateOnly.FromDateTime(DateTime.UtcNow)), actor);
                (outcome.Done ? done : refused).Add(outcome.Message);
            }
        }
        TempData["Message"] = $"Marked {done.Count} paid." + (refused.Count > 0 ? " Not done: " + string.Join(" ", refused) : "");
        return Redirect(Request.Path + Request.QueryString);
    }

    /// <summary>This list with the same filters, from the start or after a cursor.</summary>
    public string PageLink(string? after) => Request.Path + QueryString.Create(new Dictionary<string, string?>
    {
        ["q"] = Query, ["category"] = CategoryId?.ToString(CultureInfo.InvariantCulture), ["status"] = Status, ["size"] = Size,
        ["sort"] = Sort, ["after"] = after,
    }.Where(p => !string.IsNullOrEmpty(p.Value)));

    public sealed record Row(long Id, string Reference, string FullName, string Email, string Phone, string PaymentStatus, int? Bib,
        string TshirtSize, long AmountDueMinor, string Currency, DateTime CreatedAt, string CategoryName);

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
