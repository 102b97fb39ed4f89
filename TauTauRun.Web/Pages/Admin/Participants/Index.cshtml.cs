using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin.Participants;

/// <summary>
/// Runners: search by any fragment of name, email, phone or reference, or by bib; filters; sorting;
/// keyset paging (<see cref="ParticipantSearch"/>). Admins can mark selected runners paid, and cancel
/// every runner a filter matches in one go (say, the unconfirmed places of one email domain).
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
    [FromQuery(Name = "unconfirmed")] public bool Unconfirmed { get; set; }
    [FromQuery(Name = "sort")] public string? SortBy { get; set; }
    public string Sort => SortBy ?? "newest";
    [FromQuery(Name = "after")] public string? After { get; set; }

    public IReadOnlyList<ParticipantSearch.Row> Rows { get; private set; } = [];
    public IReadOnlyList<(long Id, string Name)> Categories { get; private set; } = [];
    /// <summary>The cursor of the next page, when there is one.</summary>
    public string? Next { get; private set; }
    /// <summary>How many runners still in the race the filter matches, on every page: what "cancel all" would cancel.</summary>
    public int ActiveMatches { get; private set; }
    private ParticipantSearch.Filter Filter => new(Query, CategoryId, Status, Size, Unconfirmed, Sort);

    public async Task<IActionResult> OnGetAsync()
    {
        if (!FilterIsValid)
            return BadRequest("Unknown filter or sort value.");
        var cursor = ParticipantSearch.Cursor.Parse(After, Sort);
        if (After is not null && cursor is null)
            return BadRequest("That page link is not valid; start again from the first page.");

        await using var connection = await dataSource.OpenConnectionAsync();
        Categories = await Races.ListAsync<(long, string)>(connection, Races.Names);
        var found = await ParticipantSearch.PageAsync(connection, Filter, cursor, PageSize);
        Rows = found.Rows;
        Next = found.Next;
        if (Filter.Narrows)
            ActiveMatches = await ParticipantSearch.CountActiveAsync(connection, Filter);
        return Page();
    }

    private bool FilterIsValid => Sorts.ContainsKey(Sort) && (Status is null || Statuses.Contains(Status))
        && (Size is null || RunnerInput.TshirtSizes.Contains(Size)) && ModelState.IsValid;

    /// <summary>
    /// Cancels every runner still in the race that the list's filter matches, each through
    /// <see cref="AdminChanges.CancelAsync"/> (its email, its place to the waiting list, its audit row with
    /// the reason). Refused without a filter, without a reason, or when the selection changed since the
    /// admin saw its count (<paramref name="expected"/>).
    /// </summary>
    public async Task<IActionResult> OnPostCancelAllAsync(string? reason, int expected)
    {
        if (!FilterIsValid)
            return BadRequest("Unknown filter or sort value.");
        var why = RunnerInput.Line(reason);
        if (!Filter.Narrows || why.Length == 0)
        {
            TempData["Message"] = "Choose a filter and give a reason to cancel a selection.";
            return Redirect(Request.Path + Request.QueryString);
        }
        IReadOnlyList<long> selection;
        await using (var connection = await dataSource.OpenConnectionAsync())
            selection = await ParticipantSearch.ActiveIdsAsync(connection, Filter);
        if (selection.Count != expected)
        {
            TempData["Message"] = $"The selection changed: it now holds {selection.Count} runners, not {expected}. Check it and try again.";
            return Redirect(Request.Path + Request.QueryString);
        }
        var outcomes = await changes.CancelAllAsync(selection, why, AuditActor.Of(HttpContext));
        TempData["Message"] = $"Cancelled {outcomes.Count(o => o.Done)} of {selection.Count} runners.";
        return Redirect(Request.Path + Request.QueryString);
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
        ["unconfirmed"] = Unconfirmed ? "true" : null, ["sort"] = Sort, ["after"] = after,
    }.Where(p => !string.IsNullOrEmpty(p.Value)));
}
