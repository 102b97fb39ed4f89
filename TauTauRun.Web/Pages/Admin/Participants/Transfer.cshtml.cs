using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin.Participants;

/// <summary>
/// An admin hands a runner's place to another person or moves it to another race, at any time (the
/// runners' deadline does not apply). The form carries the runner's version: a change made meanwhile
/// is never overwritten.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class TransferModel(NpgsqlDataSource dataSource, EventSettingsStore settingsStore, Transfers transfers, RaceChanges raceChanges) : PageModel
{
    public HeldPlace Place { get; private set; } = null!;
    public IReadOnlyList<HeldPlace.Race> OtherRaces { get; private set; } = [];
    public EventSettings Event { get; private set; } = new();
    public RunnerDetailsForm Person { get; private set; } = new();

    public async Task<IActionResult> OnGetAsync(long id) => await LoadAsync(id) ? Page() : NotFound();

    public async Task<IActionResult> OnPostTransferAsync(long id, long version, [Bind(Prefix = nameof(Person))] RunnerDetailsForm person)
    {
        if (!await LoadAsync(id))
            return NotFound();
        Person = person;
        var fields = new RunnerFields();
        var holder = person.Check(fields, Place.CategoryId, (Place.CategoryName, Place.MinimumAge), Event);
        if (!ModelState.AddRunnerErrors(nameof(Person), fields))
            return Refused(StatusCodes.Status400BadRequest);
        var outcome = await transfers.TransferAsync(Who(id, version), holder);
        if (!outcome.Done)
        {
            ModelState.AddModelError(outcome.EmailTaken ? "Person.Email" : "", outcome.Message);
            return Refused(StatusCodes.Status409Conflict);
        }
        TempData["Message"] = outcome.Message;
        return Redirect($"/admin/participants/{id}");
    }

    public async Task<IActionResult> OnPostRaceAsync(long id, long version, long? raceId)
    {
        if (!await LoadAsync(id))
            return NotFound();
        var outcome = await raceChanges.ChangeAsync(Who(id, version), raceId ?? 0);
        if (!outcome.Done)
        {
            ModelState.AddModelError("raceId", outcome.Message);
            return Refused(StatusCodes.Status409Conflict);
        }
        TempData["Message"] = outcome.Message;
        return Redirect($"/admin/participants/{id}");
    }

    private HeldPlace.Who Who(long id, long version) =>
        HeldPlace.Who.Admin(id, new DateTime(version, DateTimeKind.Utc), AuditActor.Of(HttpContext));

    private PageResult Refused(int status)
    {
        Response.StatusCode = status;
        return Page();
    }

    private async Task<bool> LoadAsync(long id)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        if (await HeldPlace.FindAsync(connection, HeldPlace.Who.Admin(id, null, AuditActor.Of(HttpContext))) is not { } place)
            return false;
        Place = place;
        OtherRaces = await place.OtherRacesAsync(connection);
        Event = await settingsStore.LoadAsync();
        return true;
    }
}
