using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Localization;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages;

/// <summary>The registration form: checked field by field, then one transaction in <see cref="Registrar"/>.</summary>
[EnableRateLimiting(RunnerRateLimits.Policy)]
[RequestSizeLimit(64 * 1024)]
public sealed class RegisterModel(NpgsqlDataSource dataSource, EventSettingsStore settingsStore, Registrar registrar) : PageModel
{
    [BindProperty]
    public RegistrationForm Form { get; set; } = new();

    public EventSettings Event { get; private set; } = new();
    public DateOnly RaceDay => DateOnly.FromDateTime(Event.Local(Event.StartsAt));
    public IReadOnlyList<Category> Categories { get; private set; } = [];
    private ILookup<long, PriceTiers.Tier> tiers = Enumerable.Empty<PriceTiers.Tier>().ToLookup(t => t.CategoryId);
    public string? RegistrationClosedReason { get; private set; }
    /// <summary>The chosen race is full: the form is shown again with the offer to join its waiting list.</summary>
    public bool OfferWaitlist { get; private set; }
    /// <summary>The address was already in this race: its link went to the address, and the page says only what /status/link says.</summary>
    public bool LinkSent { get; private set; }

    public async Task OnGetAsync(long? category)
    {
        await LoadAsync();
        Form = new RegistrationForm { CategoryId = category, Token = StatusTokens.New() };
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await LoadAsync();
        if (!string.IsNullOrEmpty(Form.Website))
            return BadRequest(RunnerText.Get("Register.Robot")); // only robots fill the hidden field
        if (!StatusTokens.IsWellFormed(Form.Token))
            return BadRequest(RunnerText.Get("Register.FormExpired"));
        if (RegistrationClosedReason is not null)
            return Page();
        var runner = Validate();
        await CheckCouponAsync(Coupons.Normalize(Form.CouponCode), Categories.FirstOrDefault(c => c.Id == Form.CategoryId));
        if (runner is null || !ModelState.IsValid)
            return Page();

        var outcome = await registrar.RegisterAsync(runner, Form.Token!, Form.JoinWaitlist, AuditActor.Runner(HttpContext));
        if (outcome is Registrar.Outcome.Registered or Registrar.Outcome.Waitlisted)
            Hosting.AppMetrics.Registered(waitlisted: outcome == Registrar.Outcome.Waitlisted);
        switch (outcome)
        {
            case Registrar.Outcome.Registered or Registrar.Outcome.Waitlisted or Registrar.Outcome.AlreadySubmitted:
                return Redirect($"/status/{Form.Token}?welcome=1");
            case Registrar.Outcome.Full:
                OfferWaitlist = true;
                ModelState.AddModelError("Form.CategoryId", RunnerText.Get("Register.JustFilled"));
                return Page();
            case Registrar.Outcome.LinkSent:
                LinkSent = true;
                return Page();
            case Registrar.Outcome.CouponRefused:
                await using (var connection = await dataSource.OpenConnectionAsync())
                    ModelState.AddModelError("Form.CouponCode", await Coupons.ProblemAsync(connection, runner.CouponCode!, runner.CategoryId)
                        ?? RunnerText.Get("Coupon.TryAgain"));
                return Page();
            case Registrar.Outcome.NoBibLeft:
                ModelState.AddModelError("", RunnerText.Get("Register.NoBibLeft"));
                return Page();
            default:
                ModelState.AddModelError("Form.CategoryId", RunnerText.Get("Race.ClosedChooseAnother"));
                return Page();
        }
    }

    private async Task LoadAsync()
    {
        Event = await settingsStore.LoadAsync();
        var now = DateTime.UtcNow;
        RegistrationClosedReason =
            now < Event.RegistrationOpensAt ? RunnerText.Get("Registration.OpensOn", RunnerText.DateAndTime(Event.Local(Event.RegistrationOpensAt))) :
            now >= Event.RegistrationClosesAt ? RunnerText.Get("Registration.Closed") : null;
        await using var connection = await dataSource.OpenConnectionAsync();
        // Both lists in one round trip: every GET and POST of the form, the rush's path (free places by the free-slot index).
        await using var read = await connection.QueryMultipleAsync($"{Races.Query(Races.ForRegistrationForm)};\n{PriceTiers.Query}");
        Categories = (await read.ReadAsync<Category>()).AsList();
        tiers = PriceTiers.ToLookup(await read.ReadAsync<PriceTiers.Tier>());
    }

    /// <summary>A race as the form offers it: name, the price now and when it changes, and whether it is closed or full.</summary>
    public string Label(Category category)
    {
        var price = PriceTiers.Current(tiers[category.Id], category.PriceMinor, DateTime.UtcNow);
        var change = PriceTiers.WhenItChanges(price, category.Currency, Event.Local);
        return $"{category.Name} – {Money.Format(price.PriceMinor, category.Currency)}" + (change is null ? "" : $" ({change})") +
            (!category.IsOpen ? " " + RunnerText.Get("Race.LabelClosed") : !category.HasFreePlace ? " " + RunnerText.Get("Race.LabelFull") : "");
    }

    /// <summary>The coupon, if one was typed, checked before anything is stored; the registration takes its use.</summary>
    private async Task CheckCouponAsync(string? code, Category? category)
    {
        if (code is null || category is null) // no race chosen: that is the message to fix first
            return;
        string? problem;
        if (!Coupons.IsWellFormed(code))
            problem = RunnerText.Get("Coupon.Unknown");
        else if (Form.JoinWaitlist)
            problem = RunnerText.Get("Coupon.NotForWaitlist");
        else
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            problem = await Coupons.ProblemAsync(connection, code, category.Id);
        }
        if (problem is not null)
            ModelState.AddModelError("Form.CouponCode", problem);
    }

    /// <summary>The form's values as stored, or null with a message beside each field that needs correcting.</summary>
    private Registrar.NewRunner? Validate()
    {
        var category = Categories.FirstOrDefault(c => c.Id == Form.CategoryId);
        var fields = new RunnerFields();
        var raceDay = RaceDay;
        var birth = fields.DateOfBirth(Form.DateOfBirth, DateOnly.FromDateTime(DateTime.UtcNow), raceDay,
            category is null ? null : (category.Name, category.MinimumAge));
        var runner = new Registrar.NewRunner(category?.Id ?? 0, fields.FullName(Form.FullName), fields.Email(Form.Email),
            fields.Phone(Form.Phone), birth, fields.Gender(Form.Gender), fields.TshirtSize(Form.TshirtSize),
            fields.EmergencyContactName(Form.EmergencyContactName), fields.EmergencyContactPhone(Form.EmergencyContactPhone),
            fields.MedicalNotes(Form.MedicalNotes), fields.Club(Form.Club), Event.WaiverVersion,
            fields.Guardian(Form.GuardianName, Form.GuardianPhone, Form.GuardianConsent, birth, raceDay), Coupons.Normalize(Form.CouponCode));
        if (Form.CategoryId is null)
            fields.Error(nameof(Form.CategoryId), RunnerText.Get("Register.ChooseRaceError"));
        else if (category is null)
            fields.Error(nameof(Form.CategoryId), RunnerText.Get("Register.ChooseListedRace"));
        else if (!category.IsOpen)
            fields.Error(nameof(Form.CategoryId), RunnerText.Get("Race.ClosedChooseAnother"));
        if (!Form.AcceptWaiver)
            fields.Error(nameof(Form.AcceptWaiver), RunnerText.Get("Register.AcceptWaiver"));
        return ModelState.AddRunnerErrors(nameof(Form), fields) ? runner : null;
    }

    public sealed record Category(long Id, string Name, long PriceMinor, string Currency, int MinimumAge, bool IsOpen, bool HasFreePlace);

    /// <summary>Checked by <see cref="RunnerFields"/>, like every form with a runner's fields.</summary>
    public sealed class RegistrationForm
    {
        // In the form's order: the error summary lists the problems in the order the properties are bound.
        [Display(Name = "Field.Race")]
        public long? CategoryId { get; set; }

        [Display(Name = "Field.FullName")]
        public string? FullName { get; set; }

        [Display(Name = "Field.Email")]
        public string? Email { get; set; }

        [Display(Name = "Field.Phone")]
        public string? Phone { get; set; }

        [Display(Name = "Field.DateOfBirth")]
        public DateOnly? DateOfBirth { get; set; }

        [Display(Name = "Field.GuardianName")]
        public string? GuardianName { get; set; }

        [Display(Name = "Field.GuardianPhone")]
        public string? GuardianPhone { get; set; }

        [Display(Name = "Field.GuardianConsent")]
        public bool GuardianConsent { get; set; }

        [Display(Name = "Field.Gender")]
        public string? Gender { get; set; }

        [Display(Name = "Field.TshirtSize")]
        public string? TshirtSize { get; set; }

        [Display(Name = "Field.EmergencyContactName")]
        public string? EmergencyContactName { get; set; }

        [Display(Name = "Field.EmergencyContactPhone")]
        public string? EmergencyContactPhone { get; set; }

        [Display(Name = "Field.MedicalNotes")]
        public string? MedicalNotes { get; set; }

        [Display(Name = "Field.Club")]
        public string? Club { get; set; }

        [Display(Name = "Field.CouponCode")]
        public string? CouponCode { get; set; }

        [Display(Name = "Field.AcceptWaiver")]
        public bool AcceptWaiver { get; set; }

        /// <summary>Honeypot: hidden from people, filled in by robots.</summary>
        public string? Website { get; set; }

        /// <summary>The runner's future status token, issued with the form: a resubmission finds its registration.</summary>
        public string? Token { get; set; }

        public bool JoinWaitlist { get; set; }
    }
}
