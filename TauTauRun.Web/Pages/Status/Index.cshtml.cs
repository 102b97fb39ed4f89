using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Status;

/// <summary>
/// The runner's own page behind the secret link: status, details, what to pay; contact details and
/// T-shirt size editable until the edit deadline; an offered place accepted; the registration cancelled.
/// Unknown links are a plain 404.
/// </summary>
[EnableRateLimiting(RunnerRateLimits.Policy)]
[RequestSizeLimit(16 * 1024)]
public sealed class StatusModel(NpgsqlDataSource dataSource, EventSettingsStore settingsStore, EmailOutbox outbox, Places places) : PageModel
{
    private static readonly string[] Active = ["PENDING", "PAID", "WAITLISTED", "OFFERED"];

    /// <summary>The edit form: the stored values, or what was posted when it needs correcting.</summary>
    public ContactForm Contact { get; private set; } = new();

    public Runner Registration { get; private set; } = null!;
    public EventSettings Event { get; private set; } = new();
    public bool CanEdit => Active.Contains(Registration.PaymentStatus) && DateTime.UtcNow < Event.EditDeadline;
    public bool CanCancel => Active.Contains(Registration.PaymentStatus);
    public DateTime PaymentDeadline => Registration.StatusChangedAt.AddDays(Event.PaymentDeadlineDays);

    public async Task<IActionResult> OnGetAsync(string token)
    {
        return await LoadAsync(token) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostUpdateAsync(string token, [Bind(Prefix = nameof(Contact))] ContactForm contact)
    {
        if (!await LoadAsync(token))
            return NotFound();
        Contact = contact;
        if (!CanEdit)
        {
            ModelState.AddModelError("", $"Details can no longer be changed online (the deadline was {Event.Local(Event.EditDeadline):d MMMM yyyy}). Please email the organisers.");
            return Page();
        }
        var email = RunnerInput.Line(Contact.Email);
        if (email.Length > 0 && !RunnerInput.IsEmail(email))
            ModelState.AddModelError("Contact.Email", "Enter an email address like name@example.org.");
        var phone = CheckedPhone("Contact.Phone", Contact.Phone);
        var emergencyPhone = CheckedPhone("Contact.EmergencyContactPhone", Contact.EmergencyContactPhone);
        var emergencyName = RunnerInput.Line(Contact.EmergencyContactName);
        if (RunnerInput.Problem(emergencyName) is { } problem)
            ModelState.AddModelError("Contact.EmergencyContactName", $"This {problem}");
        if (Contact.TshirtSize is not null && !RunnerInput.TshirtSizes.Contains(Contact.TshirtSize))
            ModelState.AddModelError("Contact.TshirtSize", "Choose one of the sizes.");
        if (!ModelState.IsValid)
            return Page();

        await using var connection = await dataSource.OpenConnectionAsync();
        try
        {
            await connection.ExecuteAsync("""
                UPDATE participants
                SET email = @email, phone = @phone, tshirt_size = @TshirtSize, emergency_contact_name = @emergencyName,
                    emergency_contact_phone = @emergencyPhone, updated_at = now()
                WHERE id = @Id
                """, new { email, phone, Contact.TshirtSize, emergencyName, emergencyPhone, Registration.Id });
        }
        catch (PostgresException e) when (e.ConstraintName == "participants_active_email_per_category")
        {
            ModelState.AddModelError("Contact.Email", "Another registration for this race already uses this email address.");
            return Page();
        }
        return Redirect($"/status/{token}?saved=1");
    }

    public async Task<IActionResult> OnPostAcceptAsync(string token)
    {
        if (!await LoadAsync(token))
            return NotFound();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var accepted = await connection.ExecuteAsync("""
            UPDATE participants
            SET payment_status = 'PENDING', offer_expires_at = NULL, status_changed_at = now(), updated_at = now()
            WHERE id = @Id AND payment_status = 'OFFERED' AND offer_expires_at > now()
            """, new { Registration.Id }, transaction);
        if (accepted == 0)
        {
            ModelState.AddModelError("", "This offer is no longer open.");
            return Page();
        }
        await outbox.QueueAsync(transaction, Registration.Id, EmailKind.RegistrationReceived, token);
        await transaction.CommitAsync();
        return Redirect($"/status/{token}?accepted=1");
    }

    /// <summary>Cancelling (or declining an offered place) gives the place to the next runner waiting.</summary>
    public async Task<IActionResult> OnPostCancelAsync(string token, bool confirm)
    {
        if (!await LoadAsync(token))
            return NotFound();
        if (!confirm)
        {
            ModelState.AddModelError("cancel", "Tick the box to confirm that you want to cancel.");
            return Page();
        }
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var cancelled = await connection.ExecuteAsync("""
            UPDATE participants
            SET payment_status = 'CANCELLED', offer_expires_at = NULL, status_changed_at = now(), updated_at = now()
            WHERE id = @Id AND payment_status = ANY(@Active)
            """, new { Registration.Id, Active }, transaction);
        if (cancelled == 1)
        {
            await places.ReleaseAsync(transaction, Registration.Id);
            await outbox.QueueAsync(transaction, Registration.Id, EmailKind.RegistrationCancelled);
        }
        await transaction.CommitAsync();
        return Redirect($"/status/{token}");
    }

    private string? CheckedPhone(string field, string? value)
    {
        var phone = RunnerInput.Phone(value);
        if (phone is null && !string.IsNullOrWhiteSpace(value))
            ModelState.AddModelError(field, RunnerInput.PhoneHint);
        return phone;
    }

    private async Task<bool> LoadAsync(string token)
    {
        // The link is a secret: keep the page out of caches and the link out of Referer headers. Written
        // as antiforgery writes it for the page's forms, which otherwise logs a warning on every view.
        Response.Headers.CacheControl = "no-cache, no-store";
        Response.Headers.Pragma = "no-cache";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        if (!StatusTokens.IsWellFormed(token))
            return false;
        await using var connection = await dataSource.OpenConnectionAsync();
        var runner = await connection.QuerySingleOrDefaultAsync<Runner>("""
            SELECT p.id, p.reference, p.payment_status, p.full_name, p.email, p.phone, p.date_of_birth, p.gender,
                   p.tshirt_size, p.emergency_contact_name, p.emergency_contact_phone, p.club, p.medical_notes,
                   p.amount_due_minor, p.currency, p.bib, p.offer_expires_at, p.status_changed_at, c.name AS category_name,
                   CASE WHEN p.payment_status = 'WAITLISTED' THEN
                       (SELECT count(*) FROM participants w
                        WHERE w.category_id = p.category_id AND w.payment_status = 'WAITLISTED'
                          AND (w.created_at, w.id) <= (p.created_at, p.id)) END AS waitlist_position
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            WHERE p.access_token_hash = @hash
            """, new { hash = StatusTokens.Hash(token) });
        if (runner is null)
            return false;
        Registration = runner;
        Contact = new ContactForm
        {
            Email = runner.Email, Phone = runner.Phone, TshirtSize = runner.TshirtSize,
            EmergencyContactName = runner.EmergencyContactName, EmergencyContactPhone = runner.EmergencyContactPhone,
        };
        Event = await settingsStore.LoadAsync();
        return true;
    }

    public sealed class Runner
    {
        public long Id { get; init; }
        public string Reference { get; init; } = "";
        public string PaymentStatus { get; init; } = "";
        public string FullName { get; init; } = "";
        public string Email { get; init; } = "";
        public string Phone { get; init; } = "";
        public DateOnly DateOfBirth { get; init; }
        public string Gender { get; init; } = "";
        public string TshirtSize { get; init; } = "";
        public string EmergencyContactName { get; init; } = "";
        public string EmergencyContactPhone { get; init; } = "";
        public string Club { get; init; } = "";
        public string MedicalNotes { get; init; } = "";
        public long AmountDueMinor { get; init; }
        public string Currency { get; init; } = "";
        public int? Bib { get; init; }
        public DateTime? OfferExpiresAt { get; init; }
        public DateTime StatusChangedAt { get; init; }
        public string CategoryName { get; init; } = "";
        public long? WaitlistPosition { get; init; }
        public string AmountDue => Money.Format(AmountDueMinor, Currency);
    }

    public sealed class ContactForm
    {
        [Display(Name = "Email")]
        [Required(ErrorMessage = "Please enter your email address.")]
        [StringLength(254, ErrorMessage = "That email address is too long.")]
        public string? Email { get; set; }

        [Display(Name = "Mobile phone")]
        [Required(ErrorMessage = "Please enter a phone number we can reach you on.")]
        [StringLength(30, ErrorMessage = "That phone number is too long.")]
        public string? Phone { get; set; }

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
    }
}
