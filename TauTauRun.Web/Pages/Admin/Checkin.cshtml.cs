using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// The bib-pickup table on a phone: find a runner (bib, reference, the QR code's content, a name
/// fragment), see what to hand out, mark it with one tap, undo. Volunteers work here, so they may post.
/// </summary>
[VolunteersMayPost]
public sealed class CheckinModel(CheckIn checkIn, EventSettingsStore settingsStore, NpgsqlDataSource dataSource) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "q")] public string? Query { get; set; }
    [BindProperty(SupportsGet = true, Name = "id")] public long? Id { get; set; }

    public IReadOnlyList<CheckIn.Runner> Matches { get; private set; } = [];
    /// <summary>The runner shown in full: the one chosen, or the only match.</summary>
    public CheckIn.Runner? Runner { get; private set; }
    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;
    public string ZoneName { get; private set; } = "UTC";

    public async Task OnGetAsync()
    {
        var settings = await settingsStore.LoadAsync();
        (Zone, ZoneName) = (settings.Zone, settings.TimeZone);
        if (Id is { } id)
            Runner = await checkIn.GetAsync(id);
        else
        {
            Matches = await checkIn.FindAsync(Query);
            if (Matches.Count == 1)
                Runner = Matches[0];
        }
    }

    public async Task<IActionResult> OnPostMarkAsync(long id, CheckIn.Item item, bool handed)
    {
        var settings = await settingsStore.LoadAsync();
        var outcome = await checkIn.MarkAsync(id, item, handed, AuditActor.Of(HttpContext), settings.Zone);
        TempData["Message"] = outcome.Message;
        return Redirect($"/admin/checkin?id={id.ToString(CultureInfo.InvariantCulture)}&q={Uri.EscapeDataString(Query ?? "")}");
    }

    /// <summary>Paid runners who have not collected their bib yet (admins, audited like the other exports).</summary>
    public async Task<IActionResult> OnGetNotCollectedAsync(CancellationToken cancellationToken)
    {
        if (!User.IsInRole(AdminPolicies.Admin))
            return Forbid();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await AuditLog.WriteAsync(transaction, AuditActor.Of(HttpContext), "export.not_collected");
            await transaction.CommitAsync(cancellationToken);
        }
        await CsvExport.WriteAsync(Response, $"not-collected-{DateTime.UtcNow:yyyyMMdd}.csv",
            ["race", "bib", "reference", "name", "tshirt_size"], checkIn.NotCollected(connection),
            r => [r.CategoryName, r.Bib?.ToString(CultureInfo.InvariantCulture), r.Reference, r.FullName, r.TshirtSize],
            cancellationToken);
        return new EmptyResult();
    }
}
