using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin.Participants;

/// <summary>
/// One runner: every field, an edit form with the public form's checks, internal notes, the payment
/// actions, and the runner's history from the audit log and the email log. Viewing it is audited.
/// </summary>
public sealed class DetailsModel(NpgsqlDataSource dataSource, EventSettingsStore settingsStore, AdminChanges changes) : PageModel
{
    public ParticipantRow Participant { get; private set; } = null!;
    public IReadOnlyList<AuditEntry> History { get; private set; } = [];
    public IReadOnlyList<EmailEntry> Emails { get; private set; } = [];
    public EditForm Edit { get; private set; } = new();
    public PaymentForm PaymentDefaults { get; private set; } = new();

    /// <summary>Each view is audited: the page shows medical notes and contact details.</summary>
    public async Task<IActionResult> OnGetAsync(long id)
    {
        if (!await LoadAsync(id))
            return NotFound();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await AuditLog.WriteAsync(transaction, AuditActor.Of(HttpContext), "participant.viewed", participantId: id);
        await transaction.CommitAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostEditAsync(long id, [Bind(Prefix = nameof(Edit))] EditForm edit)
    {
        if (!await LoadAsync(id))
            return NotFound();
        Edit = edit;
        var settings = await settingsStore.LoadAsync();
        var fields = new RunnerFields();
        var after = new AdminChanges.Details(fields.FullName(edit.FullName), fields.Email(edit.Email), fields.Phone(edit.Phone),
            fields.DateOfBirth(edit.DateOfBirth, DateOnly.FromDateTime(DateTime.UtcNow), DateOnly.FromDateTime(settings.Local(settings.StartsAt)),
                (Participant.CategoryName, Participant.MinimumAge)),
            fields.Gender(edit.Gender), fields.TshirtSize(edit.TshirtSize), fields.EmergencyContactName(edit.EmergencyContactName),
            fields.EmergencyContactPhone(edit.EmergencyContactPhone), fields.Club(edit.Club), fields.MedicalNotes(edit.MedicalNotes),
            fields.InternalNotes(edit.InternalNotes));
        if (!ModelState.AddRunnerErrors(nameof(Edit), fields))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var outcome = await changes.EditAsync(id, after, new DateTime(edit.Version, DateTimeKind.Utc), AuditActor.Of(HttpContext));
        if (outcome.NoSuchRunner)
            return NotFound();
        if (!outcome.Done)
        {
            ModelState.AddModelError(outcome.EmailTaken ? "Edit.Email" : "", outcome.Message);
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        TempData["Message"] = outcome.Message;
        return Redirect($"/admin/participants/{id}");
    }

    public async Task<IActionResult> OnPostMarkPaidAsync(long id, [Bind(Prefix = "Payment")] PaymentForm payment)
    {
        if (!ModelState.IsValid || !AdminChanges.Methods.Contains(payment.Method) || Money.ParseMinor(payment.Amount) is not { } amount)
        {
            if (!await LoadAsync(id))
                return NotFound();
            PaymentDefaults = payment;
            ModelState.AddModelError("Payment.Amount", "Enter the amount received, e.g. 25.00, the method and the date.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var outcome = await changes.MarkPaidAsync(id, new AdminChanges.Payment(amount, payment.Method, RunnerInput.Line(payment.BankReference) is { Length: > 0 } reference ? reference : null,
            payment.PaidOn!.Value), AuditActor.Of(HttpContext));
        return Done(id, outcome);
    }

    public Task<IActionResult> OnPostMarkPendingAsync(long id, string? reason) =>
        WithReasonAsync(id, reason, (why, actor) => changes.MarkPendingAsync(id, why, actor));

    public Task<IActionResult> OnPostCancelAsync(long id, string? reason) =>
        WithReasonAsync(id, reason, (why, actor) => changes.CancelAsync(id, why, actor));

    public Task<IActionResult> OnPostRefundAsync(long id, string? reason) =>
        WithReasonAsync(id, reason, (why, actor) => changes.RefundAsync(id, why, actor));

    private async Task<IActionResult> WithReasonAsync(long id, string? reason, Func<string, AuditActor, Task<AdminChanges.Outcome>> change)
    {
        var why = RunnerInput.Line(reason);
        if (why.Length is 0 or > 500 || RunnerInput.Problem(why) is not null)
        {
            TempData["Message"] = "Give a short reason (up to 500 characters): it goes into the audit log.";
            return Redirect($"/admin/participants/{id}");
        }
        return Done(id, await change(why, AuditActor.Of(HttpContext)));
    }

    private IActionResult Done(long id, AdminChanges.Outcome outcome)
    {
        if (outcome.NoSuchRunner)
            return NotFound();
        TempData["Message"] = outcome.Message;
        return Redirect($"/admin/participants/{id}");
    }

    private async Task<bool> LoadAsync(long id)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        // Named columns, never p.*: a prepared "p.*" fails with "cached plan must not change result type"
        // when a migration adds a column under a running release (expand/contract in docs/OPERATIONS.md).
        var runner = await connection.QuerySingleOrDefaultAsync<ParticipantRow>("""
            SELECT p.id, p.reference, p.payment_status, p.full_name, p.email, p.phone, p.date_of_birth, p.gender, p.tshirt_size,
                   p.emergency_contact_name, p.emergency_contact_phone, p.medical_notes, p.club, p.amount_due_minor, p.currency,
                   p.amount_paid_minor, p.payment_method, p.payment_bank_reference, p.paid_on, p.payment_recorded_at, p.bib,
                   p.offer_expires_at, p.waiver_version, p.waiver_accepted_at, p.internal_notes, p.created_at, p.updated_at,
                   p.status_changed_at, p.erased_at, p.language, c.name AS category_name, c.minimum_age, a.username AS recorded_by
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            LEFT JOIN admins a ON a.id = p.payment_recorded_by
            WHERE p.id = @id
            """, new { id });
        if (runner is null)
            return false;
        Participant = runner;
        History = (await connection.QueryAsync<AuditEntry>("""
            SELECT occurred_at, actor, action, details::text AS details FROM audit_log
            WHERE participant_id = @id AND action <> 'participant.viewed' ORDER BY id DESC LIMIT 200
            """, new { id })).AsList();
        Emails = (await connection.QueryAsync<EmailEntry>("""
            SELECT id, kind, recipient, subject, status, attempts, last_error, created_at, sent_at FROM email_logs
            WHERE participant_id = @id ORDER BY id DESC
            """, new { id })).AsList();
        Edit = new EditForm
        {
            FullName = runner.FullName, Email = runner.Email, Phone = runner.Phone, DateOfBirth = runner.DateOfBirth, Gender = runner.Gender,
            TshirtSize = runner.TshirtSize, EmergencyContactName = runner.EmergencyContactName, EmergencyContactPhone = runner.EmergencyContactPhone,
            Club = runner.Club, MedicalNotes = runner.MedicalNotes, InternalNotes = runner.InternalNotes,
            Version = runner.UpdatedAt.Ticks,
        };
        PaymentDefaults = new PaymentForm
        {
            Amount = Money.Amount(runner.AmountDueMinor), Method = "BANK_TRANSFER",
            PaidOn = DateOnly.FromDateTime(DateTime.UtcNow),
        };
        return true;
    }

    public sealed record AuditEntry(DateTime OccurredAt, string Actor, string Action, string Details);
    public sealed record EmailEntry(long Id, string Kind, string Recipient, string Subject, string Status, int Attempts, string? LastError, DateTime CreatedAt, DateTime? SentAt);

    public sealed class EditForm
    {
        [Display(Name = "Full name")] public string? FullName { get; set; }
        [Display(Name = "Email")] public string? Email { get; set; }
        [Display(Name = "Phone")] public string? Phone { get; set; }
        [Display(Name = "Date of birth")] public DateOnly? DateOfBirth { get; set; }
        [Display(Name = "Gender")] public string? Gender { get; set; }
        [Display(Name = "T-shirt size")] public string? TshirtSize { get; set; }
        [Display(Name = "Emergency contact name")] public string? EmergencyContactName { get; set; }
        [Display(Name = "Emergency contact phone")] public string? EmergencyContactPhone { get; set; }
        [Display(Name = "Club")] public string? Club { get; set; }
        [Display(Name = "Medical notes")] public string? MedicalNotes { get; set; }
        [Display(Name = "Internal notes (admins only)")] public string? InternalNotes { get; set; }
        /// <summary>When the runner was last changed as this form was filled (ticks): a newer change is not overwritten.</summary>
        public long Version { get; set; }
    }

    public sealed class PaymentForm
    {
        [Display(Name = "Amount received"), Required] public string? Amount { get; set; }
        [Display(Name = "Method"), Required] public string Method { get; set; } = "BANK_TRANSFER";
        [Display(Name = "Bank reference"), StringLength(100)] public string? BankReference { get; set; }
        [Display(Name = "Paid on"), Required] public DateOnly? PaidOn { get; set; }
    }
}
