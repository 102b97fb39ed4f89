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
/// actions, and the runner's history from the audit log and the email log.
/// </summary>
public sealed class DetailsModel(NpgsqlDataSource dataSource, Payments payments) : PageModel
{
    public Runner Participant { get; private set; } = null!;
    public IReadOnlyList<AuditEntry> History { get; private set; } = [];
    public IReadOnlyList<EmailEntry> Emails { get; private set; } = [];
    public EditForm Edit { get; private set; } = new();
    public PaymentForm PaymentDefaults { get; private set; } = new();

    public async Task<IActionResult> OnGetAsync(long id) => await LoadAsync(id) ? Page() : NotFound();

    public async Task<IActionResult> OnPostEditAsync(long id, [Bind(Prefix = nameof(Edit))] EditForm edit)
    {
        if (!await LoadAsync(id))
            return NotFound();
        Edit = edit;
        var email = RunnerInput.Line(edit.Email);
        if (email.Length > 0 && !RunnerInput.IsEmail(email))
            ModelState.AddModelError("Edit.Email", "Not an email address.");
        var phone = RunnerInput.Phone(edit.Phone);
        if (phone is null)
            ModelState.AddModelError("Edit.Phone", "A phone number has 6 to 15 digits.");
        var emergencyPhone = RunnerInput.Phone(edit.EmergencyContactPhone);
        if (emergencyPhone is null)
            ModelState.AddModelError("Edit.EmergencyContactPhone", "A phone number has 6 to 15 digits.");
        if (edit.Gender is not null && !RunnerInput.Genders.ContainsKey(edit.Gender))
            ModelState.AddModelError("Edit.Gender", "Choose one of the options.");
        if (edit.TshirtSize is not null && !RunnerInput.TshirtSizes.Contains(edit.TshirtSize))
            ModelState.AddModelError("Edit.TshirtSize", "Choose one of the sizes.");
        if (edit.DateOfBirth is { } birth && (birth.Year < 1900 || birth >= DateOnly.FromDateTime(DateTime.UtcNow)))
            ModelState.AddModelError("Edit.DateOfBirth", "Not a plausible date of birth.");
        var after = new
        {
            fullName = RunnerInput.Line(edit.FullName), email, phone, dateOfBirth = edit.DateOfBirth, gender = edit.Gender, tshirtSize = edit.TshirtSize,
            emergencyContactName = RunnerInput.Line(edit.EmergencyContactName), emergencyContactPhone = emergencyPhone,
            club = RunnerInput.Line(edit.Club), medicalNotes = RunnerInput.Text(edit.MedicalNotes), internalNotes = RunnerInput.Text(edit.InternalNotes),
        };
        foreach (var (field, value) in new[] { ("FullName", after.fullName), ("EmergencyContactName", after.emergencyContactName), ("Club", after.club) })
            if (RunnerInput.Problem(value) is { } problem)
                ModelState.AddModelError($"Edit.{field}", $"This {problem}");
        if (RunnerInput.Problem(after.medicalNotes, multiline: true) is { } notesProblem)
            ModelState.AddModelError("Edit.MedicalNotes", $"This {notesProblem}");
        if (RunnerInput.Problem(after.internalNotes, multiline: true) is { } internalProblem)
            ModelState.AddModelError("Edit.InternalNotes", $"This {internalProblem}");
        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            var changed = await connection.ExecuteAsync("""
                UPDATE participants
                SET full_name = @fullName, email = @email, phone = @phone, date_of_birth = @dateOfBirth, gender = @gender,
                    tshirt_size = @tshirtSize, emergency_contact_name = @emergencyContactName,
                    emergency_contact_phone = @emergencyContactPhone, club = @club, medical_notes = @medicalNotes,
                    internal_notes = @internalNotes, updated_at = now()
                WHERE id = @id AND updated_at = @loadedAt
                """, new
            {
                id, after.fullName, after.email, after.phone, after.dateOfBirth, after.gender, after.tshirtSize, after.emergencyContactName,
                after.emergencyContactPhone, after.club, after.medicalNotes, after.internalNotes,
                loadedAt = new DateTime(edit.Version, DateTimeKind.Utc),
            }, transaction);
            if (changed == 0)
            {
                ModelState.AddModelError("", "Someone else changed this runner while you were editing: reload the page and make your change again.");
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
            }
        }
        catch (PostgresException e) when (e.ConstraintName == "participants_active_email_per_category")
        {
            ModelState.AddModelError("Edit.Email", "Another active registration in this race uses this address.");
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        await AuditLog.WriteAsync(transaction, AuditActor.Of(HttpContext), "participant.edited",
            new { before = Snapshot(Participant), after }, id);
        await transaction.CommitAsync();
        TempData["Message"] = "Saved.";
        return Redirect($"/admin/participants/{id}");
    }

    public async Task<IActionResult> OnPostMarkPaidAsync(long id, [Bind(Prefix = "Payment")] PaymentForm payment)
    {
        if (!ModelState.IsValid || !Payments.Methods.Contains(payment.Method) || Money.ParseMinor(payment.Amount) is not { } amount)
        {
            if (!await LoadAsync(id))
                return NotFound();
            PaymentDefaults = payment;
            ModelState.AddModelError("Payment.Amount", "Enter the amount received, e.g. 25.00, the method and the date.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var outcome = await payments.MarkPaidAsync(id, new Payments.Payment(amount, payment.Method, RunnerInput.Line(payment.BankReference) is { Length: > 0 } reference ? reference : null,
            payment.PaidOn!.Value), AuditActor.Of(HttpContext));
        return Done(id, outcome);
    }

    public Task<IActionResult> OnPostMarkPendingAsync(long id, string? reason) =>
        WithReasonAsync(id, reason, (why, actor) => payments.MarkPendingAsync(id, why, actor));

    public Task<IActionResult> OnPostCancelAsync(long id, string? reason) =>
        WithReasonAsync(id, reason, (why, actor) => payments.CancelAsync(id, why, actor));

    public Task<IActionResult> OnPostRefundAsync(long id, string? reason) =>
        WithReasonAsync(id, reason, (why, actor) => payments.RefundAsync(id, why, actor));

    private async Task<IActionResult> WithReasonAsync(long id, string? reason, Func<string, AuditActor, Task<Payments.Outcome>> change)
    {
        var why = RunnerInput.Line(reason);
        if (why.Length is 0 or > 500 || RunnerInput.Problem(why) is not null)
        {
            TempData["Message"] = "Give a short reason (up to 500 characters): it goes into the audit log.";
            return Redirect($"/admin/participants/{id}");
        }
        return Done(id, await change(why, AuditActor.Of(HttpContext)));
    }

    private IActionResult Done(long id, Payments.Outcome outcome)
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
        var runner = await connection.QuerySingleOrDefaultAsync<Runner>("""
            SELECT p.id, p.reference, p.payment_status, p.full_name, p.email, p.phone, p.date_of_birth, p.gender, p.tshirt_size,
                   p.emergency_contact_name, p.emergency_contact_phone, p.medical_notes, p.club, p.amount_due_minor, p.currency,
                   p.amount_paid_minor, p.payment_method, p.payment_bank_reference, p.paid_on, p.payment_recorded_at, p.bib,
                   p.offer_expires_at, p.waiver_version, p.waiver_accepted_at, p.internal_notes, p.created_at, p.updated_at,
                   c.name AS category_name, a.username AS recorded_by
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            LEFT JOIN admins a ON a.id = p.payment_recorded_by
            WHERE p.id = @id
            """, new { id });
        if (runner is null)
            return false;
        Participant = runner;
        History = (await connection.QueryAsync<AuditEntry>("""
            SELECT occurred_at, actor, action, details::text AS details FROM audit_log
            WHERE participant_id = @id ORDER BY id DESC LIMIT 200
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
            Amount = (runner.AmountDueMinor / 100m).ToString("0.00", CultureInfo.InvariantCulture), Method = "BANK_TRANSFER",
            PaidOn = DateOnly.FromDateTime(DateTime.UtcNow),
        };
        return true;
    }

    private static object Snapshot(Runner r) => new
    {
        fullName = r.FullName, email = r.Email, phone = r.Phone, dateOfBirth = r.DateOfBirth, gender = r.Gender, tshirtSize = r.TshirtSize,
        emergencyContactName = r.EmergencyContactName, emergencyContactPhone = r.EmergencyContactPhone, club = r.Club,
        medicalNotes = r.MedicalNotes, internalNotes = r.InternalNotes,
    };

    public sealed class Runner
    {
        public long Id { get; init; }
        public string Reference { get; init; } = "";
        public string CategoryName { get; init; } = "";
        public string PaymentStatus { get; init; } = "";
        public string FullName { get; init; } = "";
        public string Email { get; init; } = "";
        public string Phone { get; init; } = "";
        public DateOnly DateOfBirth { get; init; }
        public string Gender { get; init; } = "";
        public string TshirtSize { get; init; } = "";
        public string EmergencyContactName { get; init; } = "";
        public string EmergencyContactPhone { get; init; } = "";
        public string MedicalNotes { get; init; } = "";
        public string Club { get; init; } = "";
        public long AmountDueMinor { get; init; }
        public string Currency { get; init; } = "";
        public long? AmountPaidMinor { get; init; }
        public string? PaymentMethod { get; init; }
        public string? PaymentBankReference { get; init; }
        public DateOnly? PaidOn { get; init; }
        public string? RecordedBy { get; init; }
        public DateTime? PaymentRecordedAt { get; init; }
        public int? Bib { get; init; }
        public DateTime? OfferExpiresAt { get; init; }
        public string WaiverVersion { get; init; } = "";
        public DateTime WaiverAcceptedAt { get; init; }
        public string InternalNotes { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public DateTime StatusChangedAt { get; init; }
    }

    public sealed record AuditEntry(DateTime OccurredAt, string Actor, string Action, string Details);
    public sealed record EmailEntry(long Id, string Kind, string Recipient, string Subject, string Status, int Attempts, string? LastError, DateTime CreatedAt, DateTime? SentAt);

    public sealed class EditForm
    {
        [Display(Name = "Full name"), Required, StringLength(100)] public string? FullName { get; set; }
        [Display(Name = "Email"), Required, StringLength(254)] public string? Email { get; set; }
        [Display(Name = "Phone"), Required, StringLength(30)] public string? Phone { get; set; }
        [Display(Name = "Date of birth"), Required] public DateOnly? DateOfBirth { get; set; }
        [Display(Name = "Gender"), Required] public string? Gender { get; set; }
        [Display(Name = "T-shirt size"), Required] public string? TshirtSize { get; set; }
        [Display(Name = "Emergency contact name"), Required, StringLength(100)] public string? EmergencyContactName { get; set; }
        [Display(Name = "Emergency contact phone"), Required, StringLength(30)] public string? EmergencyContactPhone { get; set; }
        [Display(Name = "Club"), StringLength(100)] public string? Club { get; set; }
        [Display(Name = "Medical notes"), StringLength(1000)] public string? MedicalNotes { get; set; }
        [Display(Name = "Internal notes (admins only)"), StringLength(4000)] public string? InternalNotes { get; set; }
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
