using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Localization;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Status;

/// <summary>
/// The runner's own transfer page behind their status link: hand the place to another person (their
/// details checked as the registration form checks them) or move to another race, until the transfer
/// deadline. A link that is not (or no longer) current is a plain 404.
/// </summary>
[EnableRateLimiting(RunnerRateLimits.Policy)]
[RequestSizeLimit(64 * 1024)]
public sealed class TransferModel(NpgsqlDataSource dataSource, EventSettingsStore settingsStore, Transfers transfers, RaceChanges raceChanges) : PageModel
{
    public HeldPlace Place { get; private set; } = null!;
    public IReadOnlyList<HeldPlace.Race> OtherRaces { get; private set; } = [];
    public EventSettings Event { get; private set; } = new();
    public RunnerDetailsForm Person { get; private set; } = new();
    /// <summary>What was done, once it is: the page then shows only this.</summary>
    public string? Done { get; private set; }
    public bool CanChange => Place.Status.IsIn(ParticipantStatus.Transferable) && DateTime.UtcNow < Event.TransferDeadline;

    public async Task<IActionResult> OnGetAsync(string token) => await LoadAsync(token) ? Page() : NotFound();

    public async Task<IActionResult> OnPostTransferAsync(string token, [Bind(Prefix = nameof(Person))] RunnerDetailsForm person)
    {
        if (!await LoadAsync(token))
            return NotFound();
        Person = person;
        var fields = new RunnerFields();
        var holder = person.Check(fields, Place.CategoryId, (Place.CategoryName, Place.MinimumAge), Event);
        if (!ModelState.AddRunnerErrors(nameof(Person), fields))
            return Refused(StatusCodes.Status400BadRequest);
        var outcome = await transfers.TransferAsync(HeldPlace.Who.Runner(token, HttpContext.Connection.RemoteIpAddress?.ToString()), holder);
        if (outcome.Stale)
            return NotFound();
        if (!outcome.Done)
        {
            ModelState.AddModelError(outcome.EmailTaken ? "Person.Email" : "", outcome.Message);
            return Refused(StatusCodes.Status409Conflict);
        }
        Done = RunnerText.Get("Transfer.HandedOn", holder.FullName);
        return Page();
    }

    public async Task<IActionResult> OnPostRaceAsync(string token, long? raceId)
    {
        if (!await LoadAsync(token))
            return NotFound();
        var outcome = await raceChanges.ChangeAsync(HeldPlace.Who.Runner(token, HttpContext.Connection.RemoteIpAddress?.ToString()), raceId ?? 0);
        if (outcome.Stale)
            return NotFound();
        if (!outcome.Done)
        {
            ModelState.AddModelError("raceId", outcome.Message);
            return Refused(StatusCodes.Status409Conflict);
        }
        Done = RunnerText.Get("Transfer.RaceChanged", outcome.Message);
        return Page();
    }

    private PageResult Refused(int status)
    {
        Response.StatusCode = status;
        return Page();
    }

    private async Task<bool> LoadAsync(string token)
    {
        // The link is a secret, as on the status page: out of caches and Referer headers.
        Response.Headers.CacheControl = "no-cache, no-store";
        Response.Headers.Pragma = "no-cache";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        if (!StatusTokens.IsWellFormed(token))
            return false;
        await using var connection = await dataSource.OpenConnectionAsync();
        if (await HeldPlace.FindAsync(connection, HeldPlace.Who.Runner(token, null)) is not { } place)
            return false;
        Place = place;
        OtherRaces = await place.OtherRacesAsync(connection);
        Event = await settingsStore.LoadAsync();
        return true;
    }
}
