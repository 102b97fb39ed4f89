using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;
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
    public IReadOnlyList<Category> Categories { get; private set; } = [];
    public string? RegistrationClosedReason { get; private set; }
    /// <summary>The chosen race is full: the form is shown again with the offer to join its waiting list.</summary>
    public bool OfferWaitlist { get; private set; }
    /// <summary>The address is already registered in this race: offer to send its status link.</summary>
    public bool OfferStatusLink { get; private set; }

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
        if (runner is null || !ModelState.IsValid)
            return Page();

        var outcome = await registrar.RegisterAsync(runner, Form.Token!, Form.JoinWaitlist);
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
            case Registrar.Outcome.EmailTaken:
                OfferStatusLink = true;
                ModelState.AddModelError("Form.Email", "This email address is already registered for this race.");
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
        // Whether a race has a free place, not how many, found as the lowest free slot so the planner walks
        // the free-slot index: counted (or as EXISTS) it scanned the whole slot table whenever a race was
        // full, most of the database's work in a rush (bench scenario 1).
        await using var connection = await dataSource.OpenConnectionAsync();
        Categories = (await connection.QueryAsync<Category>("""
            SELECT c.id, c.name, c.price_minor, c.currency, c.minimum_age, c.is_open,
                   (SELECT s.slot_no FROM category_slots s WHERE s.category_id = c.id AND s.participant_id IS NULL
                    ORDER BY s.slot_no LIMIT 1) IS NOT NULL AS has_free_place
            FROM race_categories c
            ORDER BY c.sort_order, c.name
            """)).AsList();
    }

    /// <summary>Field checks beyond the attributes; values come back cleaned, or null with messages added.</summary>
    private Registrar.NewRunner? Validate()
    {
        var fullName = Clean(nameof(Form.FullName), Form.FullName);
        var email = Clean(nameof(Form.Email), Form.Email);
        if (email.Length > 0 && !RunnerInput.IsEmail(email))
            Error(nameof(Form.Email), "Enter an email address like name@example.org.");
        var phone = Phone(nameof(Form.Phone), Form.Phone);
        var emergencyName = Clean(nameof(Form.EmergencyContactName), Form.EmergencyContactName);
        var emergencyPhone = Phone(nameof(Form.EmergencyContactPhone), Form.EmergencyContactPhone);
        var club = Clean(nameof(Form.Club), Form.Club);
        var medical = RunnerInput.Text(Form.MedicalNotes);
        if (RunnerInput.Problem(medical, multiline: true) is { } medicalProblem)
            Error(nameof(Form.MedicalNotes), $"The medical notes {medicalProblem}");
        if (Form.Gender is not null && !RunnerInput.Genders.ContainsKey(Form.Gender))
            Error(nameof(Form.Gender), "Choose one of the options.");
        if (Form.TshirtSize is not null && !RunnerInput.TshirtSizes.Contains(Form.TshirtSize))
            Error(nameof(Form.TshirtSize), "Choose one of the sizes.");
        if (!Form.AcceptWaiver)
            Error(nameof(Form.AcceptWaiver), "Please read and accept the waiver and privacy notice to register.");

        var category = Categories.FirstOrDefault(c => c.Id == Form.CategoryId);
        if (Form.CategoryId is not null && category is null)
            Error(nameof(Form.CategoryId), "Choose one of the races listed.");
        else if (category is { IsOpen: false })
            Error(nameof(Form.CategoryId), "Registration for this race is closed. Please choose another race.");
        if (Form.DateOfBirth is { } birth)
        {
            var raceDay = DateOnly.FromDateTime(Event.Local(Event.StartsAt));
            if (birth >= DateOnly.FromDateTime(DateTime.UtcNow) || birth.Year < 1900)
                Error(nameof(Form.DateOfBirth), "Enter your real date of birth.");
            else if (category is not null && RunnerInput.AgeOn(birth, raceDay) < category.MinimumAge)
                Error(nameof(Form.DateOfBirth), $"Runners in the {category.Name} must be at least {category.MinimumAge} on race day ({RunnerInput.Date(raceDay)}).");
        }

        if (!ModelState.IsValid || category is null || phone is null || emergencyPhone is null)
            return null;
        return new Registrar.NewRunner(category.Id, fullName, email, phone, Form.DateOfBirth!.Value, Form.Gender!,
            Form.TshirtSize!, emergencyName, emergencyPhone, medical, club, Event.WaiverVersion);
    }

    private string Clean(string field, string? value)
    {
        var clean = RunnerInput.Line(value);
        if (RunnerInput.Problem(clean) is { } problem)
            Error(field, $"This {problem}");
        return clean;
    }

    private string? Phone(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null; // [Required] has said so
        var phone = RunnerInput.Phone(value);
        if (phone is null)
            Error(field, RunnerInput.PhoneHint);
        return phone;
    }

    private void Error(string field, string message) => ModelState.AddModelError($"{nameof(Form)}.{field}", message);

    public sealed record Category(long Id, string Name, long PriceMinor, string Currency, int MinimumAge, bool IsOpen, bool HasFreePlace)
    {
        public string Label => $"{Name} – {Money.Format(PriceMinor, Currency)}" +
            (!IsOpen ? " (closed)" : !HasFreePlace ? " (full: waiting list)" : "");
    }

    public sealed class RegistrationForm
    {
        [Display(Name = "Full name")]
        [Required(ErrorMessage = "Please enter your full name.")]
        [StringLength(100, ErrorMessage = "Please keep your name to 100 characters.")]
        public string? FullName { get; set; }

        [Display(Name = "Email")]
        [Required(ErrorMessage = "Please enter your email address: your confirmation goes there.")]
        [StringLength(254, ErrorMessage = "That email address is too long.")]
        public string? Email { get; set; }

        [Display(Name = "Mobile phone")]
        [Required(ErrorMessage = "Please enter a phone number we can reach you on.")]
        [StringLength(30, ErrorMessage = "That phone number is too long.")]
        public string? Phone { get; set; }

        [Display(Name = "Date of birth")]
        [Required(ErrorMessage = "Please enter your date of birth.")]
        public DateOnly? DateOfBirth { get; set; }

        [Display(Name = "Gender")]
        [Required(ErrorMessage = "Please choose an option: the results are ranked by it.")]
        public string? Gender { get; set; }

        [Display(Name = "Race")]
        [Required(ErrorMessage = "Please choose a race.")]
        public long? CategoryId { get; set; }

        [Display(Name = "T-shirt size")]
        [Required(ErrorMessage = "Please choose a T-shirt size.")]
        public string? TshirtSize { get; set; }

        [Display(Name = "Emergency contact name")]
        [Required(ErrorMessage = "Please name someone we can call in an emergency.")]
        [StringLength(100, ErrorMessage = "Please keep the name to 100 characters.")]
        public string? EmergencyContactName { get; set; }

        [Display(Name = "Emergency contact phone")]
        [Required(ErrorMessage = "Please give your emergency contact's phone number.")]
        [StringLength(30, ErrorMessage = "That phone number is too long.")]
        public string? EmergencyContactPhone { get; set; }

        [Display(Name = "Medical notes (optional)")]
        [StringLength(1000, ErrorMessage = "Please keep medical notes to 1000 characters.")]
        public string? MedicalNotes { get; set; }

        [Display(Name = "Club (optional)")]
        [StringLength(100, ErrorMessage = "Please keep the club name to 100 characters.")]
        public string? Club { get; set; }

        [Display(Name = "I have read and accept the waiver and privacy notice")]
        public bool AcceptWaiver { get; set; }

        /// <summary>Honeypot: hidden from people, filled in by robots.</summary>
        public string? Website { get; set; }

        /// <summary>The runner's future status token, issued with the form: a resubmission finds its registration.</summary>
        public string? Token { get; set; }

        public bool JoinWaitlist { get; set; }
    }
}
