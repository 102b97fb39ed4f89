using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin.Participants;

/// <summary>
/// Runners: search by any fragment of name, email, phone or reference, or by bib; filters; sorting;
/// keyset paging (<see cref="ParticipantSearch"/>). Admins can mark selected runners paid.
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

    public IReadOnlyList<ParticipantSearch.Row> Rows { get; private set; } = [];
    public IReadOnlyList<(long Id, string Name)> Categories { get; private set; } = [];
    /// <summary>The cursor of the next page, when there is one.</summary>
    public string? Next { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!Sorts.ContainsKey(Sort) || (Status is not null && !Statuses.Contains(Status))
            || (Size is not null && !RunnerInput.TshirtSizes.Contains(Size)) || !ModelState.IsValid)
            return BadRequest("Unknown filter or sort value.");
        var cursor = ParticipantSearch.Cursor.Parse(After, Sort);
        if (After is not null && cursor is null)
            return BadRequest("That page link is not valid; start again from the first page.");

        await using var connection = await dataSource.OpenConnectionAsync();
        Categories = await Races.ListAsync<(long, string)>(connection, Races.Names);
        var found = await ParticipantSearch.PageAsync(connection, new ParticipantSearch.Filter(Query, CategoryId, Status, Size, Sort), cursor, PageSize);
        Rows = found.Rows;
        Next = found.Next;
        return Page();
    }

    /// <summary>Marks the ticked runners paid with the amount due (<see cref="AdminChanges.MarkPaidInFullAsync"/>).</summary>
    public async Task<IActionResult> OnPostMarkPaidAsync(long[] selected)
    {
        if (selected.Length is 0 or > PageSize)
        {
            TempData["Message"] = "Tick the runners to mark paid (at most one page at a time).";
            return Redirect(Request.Path + Request.QueryString);
        }
        var outcomes = await changes.MarkPaidInFullAsync(selected, AuditActor.Of(HttpContext));
        var done = outcomes.Count(o => o.Done);
        var refused = outcomes.Where(o => !o.Done).Select(o => o.Message).ToList();
        TempData["Message"] = $"Marked {done} paid." + (refused.Count > 0 ? " Not done: " + string.Join(" ", refused) : "");
        return Redirect(Request.Path + Request.QueryString);
    }

    /// <summary>This list with the same filters, from the start or after a cursor.</summary>
    public string PageLink(string? after) => Request.Path + QueryString.Create(new Dictionary<string, string?>
    {
        ["q"] = Query, ["category"] = CategoryId?.ToString(CultureInfo.InvariantCulture), ["status"] = Status, ["size"] = Size,
        ["sort"] = Sort, ["after"] = after,
    }.Where(p => !string.IsNullOrEmpty(p.Value)));
}
