using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
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
            return BadRequest("Your registration could not be processed."); // only robots fill the hidden field
        if (!StatusTokens.IsWellFormed(Form.Token))
            return BadRequest("This form has expired or was changed; please reload the page and fill it in again.");
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
                ModelState.AddModelError("Form.CategoryId", "This race has just filled up. You can join its waiting list below.");
                return Page();
            case Registrar.Outcome.LinkSent:
                LinkSent = true;
                return Page();
            case Registrar.Outcome.CouponRefused:
                await using (var connection = await dataSource.OpenConnectionAsync())
                    ModelState.AddModelError("Form.CouponCode", await Coupons.ProblemAsync(connection, runner.CouponCode!, runner.CategoryId)
                        ?? "This coupon could not be used just now. Please try again.");
                return Page();
            case Registrar.Outcome.NoBibLeft:
                ModelState.AddModelError("", "Your entry is free, but no bib number is left in this race. Please contact the organisers.");
                return Page();
            default:
                ModelState.AddModelError("Form.CategoryId", "Registration for this race is closed. Please choose another race.");
                return Page();
        }
    }

    private async Task LoadAsync()
    {
        Event = await settingsStore.LoadAsync();
        var now = DateTime.UtcNow;
        RegistrationClosedReason =
            now < Event.RegistrationOpensAt ? $"Registration opens on {Event.Local(Event.RegistrationOpensAt):d MMMM yyyy 'at' HH:mm}." :
            now >= Event.RegistrationClosesAt ? "Registration is closed." : null;
        await using var connection = await dataSource.OpenConnectionAsync();
        Categories = await Races.ListAsync<Category>(connection, Races.ForRegistrationForm); // on the rush's path: by the free-slot index
        tiers = await PriceTiers.ListAsync(connection);
    }

    /// <summary>A race as the form offers it: name, the price now and when it changes, and whether it is closed or full.</summary>
    public string Label(Category category)
    {
        var price = PriceTiers.Current(tiers[category.Id], category.PriceMinor, DateTime.UtcNow);
        var change = PriceTiers.WhenItChanges(price, category.Currency, Event.Local);
        return $"{category.Name} – {Money.Format(price.PriceMinor, category.Currency)}" + (change is null ? "" : $" ({change})") +
            (!category.IsOpen ? " (closed)" : !category.HasFreePlace ? " (full: waiting list)" : "");
    }

    /// <summary>The coupon, if one was typed, checked before anything is stored; the registration takes its use.</summary>
    private async Task CheckCouponAsync(string? code, Category? category)
    {
        if (code is null || category is null) // no race chosen: that is the message to fix first
            return;
        string? problem;
        if (!Coupons.IsWellFormed(code))
            problem = "There is no coupon with this code. Check the spelling, or leave the field empty.";
        else if (Form.JoinWaitlist)
            problem = "A coupon is for a place in the race, not the waiting list: empty this field to join the waiting list.";
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
            fields.Error(nameof(Form.CategoryId), "Please choose a race.");
        else if (category is null)
            fields.Error(nameof(Form.CategoryId), "Choose one of the races listed.");
        else if (!category.IsOpen)
            fields.Error(nameof(Form.CategoryId), "Registration for this race is closed. Please choose another race.");
        if (!Form.AcceptWaiver)
            fields.Error(nameof(Form.AcceptWaiver), "Please read and accept the waiver and privacy notice to register.");
        return ModelState.AddRunnerErrors(nameof(Form), fields) ? runner : null;
    }

    public sealed record Category(long Id, string Name, long PriceMinor, string Currency, int MinimumAge, bool IsOpen, bool HasFreePlace);

    /// <summary>Checked by <see cref="RunnerFields"/>, like every form with a runner's fields.</summary>
    public sealed class RegistrationForm
    {
        // In the form's order: the error summary lists the problems in the order the properties are bound.
        [Display(Name = "Race")]
        public long? CategoryId { get; set; }

        [Display(Name = "Full name")]
        public string? FullName { get; set; }

        [Display(Name = "Email")]
        public string? Email { get; set; }

        [Display(Name = "Mobile phone")]
        public string? Phone { get; set; }

        [Display(Name = "Date of birth")]
        public DateOnly? DateOfBirth { get; set; }

        [Display(Name = "Parent's or guardian's name")]
        public string? GuardianName { get; set; }

        [Display(Name = "Parent's or guardian's phone")]
        public string? GuardianPhone { get; set; }

        [Display(Name = "My parent or guardian has read the waiver and agrees to my taking part")]
        public bool GuardianConsent { get; set; }

        [Display(Name = "Gender")]
        public string? Gender { get; set; }

        [Display(Name = "T-shirt size")]
        public string? TshirtSize { get; set; }

        [Display(Name = "Emergency contact name")]
        public string? EmergencyContactName { get; set; }

        [Display(Name = "Emergency contact phone")]
        public string? EmergencyContactPhone { get; set; }

        [Display(Name = "Medical notes (optional)")]
        public string? MedicalNotes { get; set; }

        [Display(Name = "Club (optional)")]
        public string? Club { get; set; }

        [Display(Name = "Coupon code (optional)")]
        public string? CouponCode { get; set; }

        [Display(Name = "I have read and accept the waiver and privacy notice")]
        public bool AcceptWaiver { get; set; }

        /// <summary>Honeypot: hidden from people, filled in by robots.</summary>
        public string? Website { get; set; }

        /// <summary>The runner's future status token, issued with the form: a resubmission finds its registration.</summary>
        public string? Token { get; set; }

        public bool JoinWaitlist { get; set; }
    }
}
