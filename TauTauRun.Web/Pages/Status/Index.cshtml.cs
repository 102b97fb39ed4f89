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

namespace TauTauRun.Web.Pages.Status;

/// <summary>
/// The runner's own page behind the secret link: status, details, what to pay; contact details and
/// T-shirt size editable until the edit deadline; an offered place accepted; the registration cancelled.
/// Unknown links are a plain 404.
/// </summary>
[EnableRateLimiting(RunnerRateLimits.Policy)]
[RequestSizeLimit(16 * 1024)]
public sealed class StatusModel(NpgsqlDataSource dataSource, EventSettingsStore settingsStore, RunnerChanges changes) : PageModel
{
    /// <summary>The edit form: the stored values, or what was posted when it needs correcting.</summary>
    public ContactForm Contact { get; private set; } = new();

    public ParticipantRow Registration { get; private set; } = null!;
    public EventSettings Event { get; private set; } = new();
    public bool CanEdit => Registration.PaymentStatus.IsIn(ParticipantStatus.Active) && DateTime.UtcNow < Event.EditDeadline;
    public bool CanCancel => Registration.PaymentStatus.IsIn(ParticipantStatus.Active);
    public DateTime PaymentDeadline => Registration.StatusChangedAt.AddDays(Event.PaymentDeadlineDays);
    /// <summary>A place held on condition: released unless the address is confirmed by <see cref="ConfirmDeadline"/>.</summary>
    public bool AwaitsConfirmation => Registration.PaymentStatus == ParticipantStatus.Pending && Registration.EmailConfirmedAt is null;
    public DateTime ConfirmDeadline => Registration.StatusChangedAt.AddHours(Event.EmailConfirmHours);
    /// <summary>This visit, through the emailed link, confirmed the address.</summary>
    public bool JustConfirmed { get; private set; }

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
            ModelState.AddModelError("", RunnerText.Get("Status.EditClosed", RunnerText.Date(Event.Local(Event.EditDeadline))));
            return Page();
        }
        var fields = new RunnerFields();
        var details = new RunnerChanges.Contact(fields.Email(contact.Email), fields.Phone(contact.Phone), fields.TshirtSize(contact.TshirtSize),
            fields.EmergencyContactName(contact.EmergencyContactName), fields.EmergencyContactPhone(contact.EmergencyContactPhone));
        if (!ModelState.AddRunnerErrors(nameof(Contact), fields))
            return Page();
        if (!await changes.EditAsync(Registration.Id, details, AuditActor.Runner(HttpContext)))
        {
            ModelState.AddModelError("Contact.Email", RunnerText.Get("Status.EmailTaken"));
            return Page();
        }
        return Redirect($"/status/{token}?saved=1");
    }

    public async Task<IActionResult> OnPostAcceptAsync(string token)
    {
        if (!await LoadAsync(token))
            return NotFound();
        if (!await changes.AcceptOfferAsync(Registration.Id, token, AuditActor.Runner(HttpContext)))
        {
            ModelState.AddModelError("", RunnerText.Get("Status.OfferClosed"));
            return Page();
        }
        return Redirect($"/status/{token}?accepted=1");
    }

    /// <summary>Cancelling (or declining an offered place) gives the place to the next runner waiting.</summary>
    public async Task<IActionResult> OnPostCancelAsync(string token, bool confirm)
    {
        if (!await LoadAsync(token))
            return NotFound();
        if (!confirm)
        {
            ModelState.AddModelError("confirm", RunnerText.Get("Status.TickToCancel"));
            return Page();
        }
        await changes.CancelAsync(Registration.Id, AuditActor.Runner(HttpContext));
        return Redirect($"/status/{token}");
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
        // One round trip, one implicit transaction: the link opened (if it was the emailed one), then the runner read by it.
        await using var read = await connection.QueryMultipleAsync($"""
            {RunnerChanges.OpenLink};
            SELECT p.id, p.reference, p.payment_status, p.full_name, p.email, p.phone, p.date_of_birth, p.gender,
                   p.tshirt_size, p.emergency_contact_name, p.emergency_contact_phone, p.club, p.medical_notes,
                   p.amount_due_minor, p.currency, p.bib, p.offer_expires_at, p.status_changed_at, p.email_confirmed_at, c.name AS category_name,
                   CASE WHEN p.payment_status = '{ParticipantStatus.Waitlisted}' THEN
                       (SELECT count(*) FROM participants w
                        WHERE w.category_id = p.category_id AND w.payment_status = '{ParticipantStatus.Waitlisted}'
                          AND (w.created_at, w.id) <= (p.created_at, p.id)) END AS waitlist_position
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            WHERE p.access_token_hash = @hash
            """, new { hash = StatusTokens.Hash(token) });
        JustConfirmed = await read.ReadSingleOrDefaultAsync<bool>();
        var runner = await read.ReadSingleOrDefaultAsync<ParticipantRow>();
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

    /// <summary>Checked by <see cref="RunnerFields"/>, like every form with a runner's fields.</summary>
    public sealed class ContactForm
    {
        [Display(Name = "Field.Email")]
        public string? Email { get; set; }

        [Display(Name = "Field.Phone")]
        public string? Phone { get; set; }

        [Display(Name = "Field.TshirtSize")]
        public string? TshirtSize { get; set; }

        [Display(Name = "Field.EmergencyContactName")]
        public string? EmergencyContactName { get; set; }

        [Display(Name = "Field.EmergencyContactPhone")]
        public string? EmergencyContactPhone { get; set; }
    }
}
