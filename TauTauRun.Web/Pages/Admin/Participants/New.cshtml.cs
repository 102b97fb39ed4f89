using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Localization;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin.Participants;

/// <summary>
/// A walk-in registered at the desk: the public form's fields and checks, a race with a free place,
/// and "paid in cash now", which records the race's price as paid and gives the bib at once. The runner's
/// language, chosen here, is the one every email to them is written in.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class NewModel(NpgsqlDataSource dataSource, EventSettingsStore settingsStore, WalkIns walkIns) : PageModel
{
    [BindProperty] public WalkInForm Form { get; set; } = new();
    [BindProperty] public RunnerDetailsForm Person { get; set; } = new();
    public IReadOnlyList<Race> Races { get; private set; } = [];

    public async Task OnGetAsync()
    {
        await LoadAsync();
        Form = new WalkInForm { Token = StatusTokens.New() };
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await LoadAsync();
        if (!StatusTokens.IsWellFormed(Form.Token))
            return BadRequest("This form has expired; reload the page and fill it in again.");
        var settings = await settingsStore.LoadAsync();
        var race = Races.FirstOrDefault(r => r.Id == Form.CategoryId);
        var fields = new RunnerFields();
        var runner = Person.Check(fields, race?.Id ?? 0, race is null ? null : (race.Name, race.MinimumAge), settings);
        if (race is null)
            ModelState.AddModelError("Form.CategoryId", "Choose one of the races listed.");
        if (!Languages.IsSupported(Form.Language))
            ModelState.AddModelError("Form.Language", "Choose one of the languages listed.");
        if (!ModelState.AddRunnerErrors(nameof(Person), fields))
            return Refused(StatusCodes.Status400BadRequest);
        var outcome = await walkIns.RegisterAsync(runner, Form.Language, Form.Token!, Form.PaidInCash ? race!.PriceMinor : null, AuditActor.Of(HttpContext));
        if (!outcome.Done)
        {
            ModelState.AddModelError(outcome.EmailTaken ? "Person.Email" : "Form.CategoryId", outcome.Message);
            return Refused(StatusCodes.Status409Conflict);
        }
        TempData["Message"] = outcome.Message;
        return Redirect($"/admin/participants/{outcome.ParticipantId}");
    }

    private PageResult Refused(int status)
    {
        Response.StatusCode = status;
        return Page();
    }

    private async Task LoadAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        Races = (await Registration.Races.ListAsync<Race>(connection, Registration.Races.ForEventPage)).Where(r => r.IsOpen).ToList();
    }

    public sealed record Race(long Id, string Name, int DistanceMeters, long PriceMinor, string Currency, int MinimumAge, bool IsOpen, long PlacesLeft);

    public sealed class WalkInForm
    {
        [Display(Name = "Race")] public long? CategoryId { get; set; }
        [Display(Name = "Language of the runner's emails")] public string Language { get; set; } = Languages.Default;
        [Display(Name = "Paid in cash now (the race's price; the bib is assigned at once)")] public bool PaidInCash { get; set; }
        /// <summary>The runner's future status token, issued with the form: sending it twice registers once.</summary>
        public string? Token { get; set; }
    }
}
