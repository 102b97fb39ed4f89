using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// The event's settings. Times are entered and shown in the event's own time zone and stored in UTC;
/// a saved change reaches every page at once here (and within the settings cache's few seconds on
/// other instances). Volunteers see the form but cannot send it.
/// </summary>
public sealed class SettingsModel(NpgsqlDataSource dataSource, EventSettingsStore store) : PageModel
{
    [BindProperty] public SettingsForm Form { get; set; } = new();
    public bool CanChange => User.IsInRole(AdminPolicies.Admin);
    public static IReadOnlyList<string> TimeZones { get; } =
        TimeZoneInfo.GetSystemTimeZones().Select(zone => zone.Id).Order(StringComparer.Ordinal).ToList();

    public async Task OnGetAsync()
    {
        store.Forget(); // the form shows what is stored now, not a cached copy
        var settings = await store.LoadAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        Form = SettingsForm.From(settings) with { Version = (await connection.ExecuteScalarAsync<DateTime>(SelectVersion)).Ticks };
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var wanted = Validate();
        if (wanted is null || !ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await store.LoadAsync(); // on a first run this stores the defaults, so there is a row to update

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var version = (await connection.ExecuteScalarAsync<DateTime>(SelectVersion + " FOR UPDATE", transaction: transaction)).Ticks;
        if (version != Form.Version)
        {
            // Someone saved since this form was opened: saving it would silently undo their change.
            ModelState.Remove("Form.Version");
            Form = Form with { Version = version };
            ModelState.AddModelError("", "Someone else saved the settings while you were editing (see the audit log). Check the values below and save again to keep yours.");
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        var stored = await connection.QuerySingleAsync<EventSettings>(EventSettingsStore.Select + " WHERE id = 1", transaction: transaction);
        var change = AuditChanges.Between(stored, wanted);
        if (change.IsEmpty)
        {
            TempData["Message"] = "Nothing changed.";
            return RedirectToPage();
        }
        var updated = await connection.ExecuteAsync("""
            UPDATE event_settings
            SET name = @Name, description = @Description, starts_at = @StartsAt, time_zone = @TimeZone, place = @Place,
                bank_account_holder = @BankAccountHolder, bank_iban = @BankIban, bank_bic = @BankBic, bank_name = @BankName,
                registration_opens_at = @RegistrationOpensAt, registration_closes_at = @RegistrationClosesAt,
                payment_deadline_days = @PaymentDeadlineDays, payment_reminder_days = @PaymentReminderDays, edit_deadline = @EditDeadline,
                waitlist_offer_hours = @WaitlistOfferHours, email_confirm_hours = @EmailConfirmHours, waiver_text = @WaiverText, waiver_version = @WaiverVersion,
                reply_to = @ReplyTo, transfer_deadline = @TransferDeadline, transfer_keeps_bib = @TransferKeepsBib,
                erase_personal_data_days = @ErasePersonalDataDays, updated_at = now()
            WHERE id = 1
            """, wanted, transaction);
        if (updated != 1)
            return NotFound();
        await AuditLog.WriteAsync(transaction, AuditActor.Of(HttpContext), "settings.updated", new { change.Before, change.After });
        await transaction.CommitAsync();
        store.Forget();
        TempData["Message"] = $"Saved the event settings ({string.Join(", ", change.After.Keys.Select(k => k.Replace('_', ' ')))}).";
        return RedirectToPage();
    }

    /// <summary>When the settings were last saved: the version a form was opened at.</summary>
    private const string SelectVersion = "SELECT updated_at FROM event_settings WHERE id = 1";

    /// <summary>The stored shape of the form (times in UTC), or null with messages added.</summary>
    private EventSettings? Validate()
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(Form.TimeZone?.Trim() ?? "", out var zone))
        {
            ModelState.AddModelError("Form.TimeZone", "Unknown time zone: use a name like Europe/Amsterdam.");
            return null;
        }
        var startsAt = Utc(nameof(Form.StartsAt), Form.StartsAt, zone);
        var opensAt = Utc(nameof(Form.RegistrationOpensAt), Form.RegistrationOpensAt, zone);
        var closesAt = Utc(nameof(Form.RegistrationClosesAt), Form.RegistrationClosesAt, zone);
        var editDeadline = Utc(nameof(Form.EditDeadline), Form.EditDeadline, zone);
        var transferDeadline = Utc(nameof(Form.TransferDeadline), Form.TransferDeadline, zone);
        if (opensAt is not null && closesAt is not null && closesAt <= opensAt)
            ModelState.AddModelError("Form.RegistrationClosesAt", "Registration must close after it opens.");
        if (closesAt is not null && startsAt is not null && closesAt > startsAt)
            ModelState.AddModelError("Form.RegistrationClosesAt", "Registration must close before the race starts.");
        if (editDeadline is not null && startsAt is not null && editDeadline > startsAt)
            ModelState.AddModelError("Form.EditDeadline", "The edit deadline must be before the race starts.");
        if (transferDeadline is not null && startsAt is not null && transferDeadline > startsAt)
            ModelState.AddModelError("Form.TransferDeadline", "The transfer deadline must be before the race starts.");
        var replyTo = Form.ReplyTo?.Trim() ?? "";
        if (replyTo.Length > 0 && !IsPlainAddress(replyTo))
            ModelState.AddModelError("Form.ReplyTo", "Enter one email address, like info@tautaurun.com.");
        if (!ModelState.IsValid)
            return null;
        return new EventSettings
        {
            Name = Form.Name!.Trim(), Description = Form.Description?.Trim() ?? "", StartsAt = startsAt!.Value,
            TimeZone = Form.TimeZone!.Trim(), Place = Form.Place!.Trim(),
            BankAccountHolder = Form.BankAccountHolder?.Trim() ?? "", BankIban = Form.BankIban?.Trim() ?? "",
            BankBic = Form.BankBic?.Trim() ?? "", BankName = Form.BankName?.Trim() ?? "",
            RegistrationOpensAt = opensAt!.Value, RegistrationClosesAt = closesAt!.Value,
            PaymentDeadlineDays = Form.PaymentDeadlineDays!.Value, PaymentReminderDays = Form.PaymentReminderDays!.Value, EditDeadline = editDeadline!.Value,
            WaitlistOfferHours = Form.WaitlistOfferHours!.Value, EmailConfirmHours = Form.EmailConfirmHours!.Value,
            TransferDeadline = transferDeadline!.Value, TransferKeepsBib = Form.TransferKeepsBib,
            WaiverText = Form.WaiverText!.Trim(), WaiverVersion = Form.WaiverVersion!.Trim(), ReplyTo = replyTo,
            ErasePersonalDataDays = Form.ErasePersonalDataDays!.Value,
        };
    }

    /// <summary>A bare address (no display name, no list): what the column's CHECK and a Reply-To header take.</summary>
    private static bool IsPlainAddress(string value) =>
        MimeKit.MailboxAddress.TryParse(value, out var mailbox) && string.IsNullOrEmpty(mailbox?.Name) && mailbox?.Address == value
        && value.Length <= 254 && !value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) && value.Count(c => c == '@') == 1;

    /// <summary>A wall-clock time in the event's zone as UTC; a time the clocks skip does not exist.</summary>
    private DateTime? Utc(string field, DateTime? local, TimeZoneInfo zone)
    {
        if (local is not { } value)
            return null; // [Required] or the binder has said why
        var wallClock = DateTime.SpecifyKind(value, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(wallClock))
        {
            ModelState.AddModelError($"Form.{field}", $"{wallClock:yyyy-MM-dd HH:mm} does not exist in {zone.Id}: the clocks skip that hour.");
            return null;
        }
        return TimeZoneInfo.ConvertTimeToUtc(wallClock, zone);
    }

    public sealed record SettingsForm
    {
        [Required(ErrorMessage = "Enter the event's name.")]
        [StringLength(200, ErrorMessage = "Keep the name to 200 characters.")]
        public string? Name { get; init; }

        [Display(Name = "Race start")]
        [Required(ErrorMessage = "Enter the date and time of the start.")]
        public DateTime? StartsAt { get; init; }

        [Display(Name = "Time zone")]
        [Required(ErrorMessage = "Enter the event's time zone, e.g. Europe/Amsterdam.")]
        public string? TimeZone { get; init; }

        [Required(ErrorMessage = "Enter where the event takes place.")]
        [StringLength(200, ErrorMessage = "Keep the place to 200 characters.")]
        public string? Place { get; init; }

        [StringLength(4000, ErrorMessage = "Keep the description to 4000 characters.")]
        public string? Description { get; init; }

        [Display(Name = "Account holder"), StringLength(100)] public string? BankAccountHolder { get; init; }
        [Display(Name = "IBAN"), StringLength(50)] public string? BankIban { get; init; }
        [Display(Name = "BIC"), StringLength(20)] public string? BankBic { get; init; }
        [Display(Name = "Bank"), StringLength(100)] public string? BankName { get; init; }

        [Display(Name = "Registration opens")]
        [Required(ErrorMessage = "Enter when registration opens.")]
        public DateTime? RegistrationOpensAt { get; init; }

        [Display(Name = "Registration closes")]
        [Required(ErrorMessage = "Enter when registration closes.")]
        public DateTime? RegistrationClosesAt { get; init; }

        [Display(Name = "Days to pay")]
        [Required(ErrorMessage = "Enter how many days runners have to pay.")]
        [Range(1, 365, ErrorMessage = "Runners have 1 to 365 days to pay.")]
        public int? PaymentDeadlineDays { get; init; }

        [Display(Name = "Remind unpaid runners this many days before their deadline (0: never)")]
        [Required(ErrorMessage = "Enter 0 for no reminders, or the days before the deadline.")]
        [Range(0, 365, ErrorMessage = "Reminders go 0 (never) to 365 days before the deadline.")]
        public int? PaymentReminderDays { get; init; }

        [Display(Name = "Runners can edit their details until")]
        [Required(ErrorMessage = "Enter until when runners can change their details.")]
        public DateTime? EditDeadline { get; init; }

        [Display(Name = "Runners can hand on their place or change race until")]
        [Required(ErrorMessage = "Enter until when runners can transfer their place or change race.")]
        public DateTime? TransferDeadline { get; init; }

        [Display(Name = "A transferred place keeps its bib (otherwise the next bib in the race's range)")]
        public bool TransferKeepsBib { get; init; }

        [Display(Name = "Hours to accept a waiting-list offer")]
        [Required(ErrorMessage = "Enter how many hours a waiting runner has to accept a place.")]
        [Range(1, 720, ErrorMessage = "An offer lasts 1 to 720 hours.")]
        public int? WaitlistOfferHours { get; init; }

        [Display(Name = "Hours to confirm the email address")]
        [Required(ErrorMessage = "Enter how many hours a new registration holds its place before its email address is confirmed.")]
        [Range(1, 720, ErrorMessage = "Confirmation may take 1 to 720 hours.")]
        public int? EmailConfirmHours { get; init; }

        [Display(Name = "Waiver text")]
        [Required(ErrorMessage = "Enter the waiver runners accept.")]
        [StringLength(10000, ErrorMessage = "Keep the waiver to 10000 characters.")]
        public string? WaiverText { get; init; }

        [Display(Name = "Waiver version")]
        [Required(ErrorMessage = "Enter the waiver's version, e.g. 2027-1.")]
        [StringLength(50, ErrorMessage = "Keep the version to 50 characters.")]
        public string? WaiverVersion { get; init; }

        [Display(Name = "Reply address for runners (Reply-To of every email)")]
        [StringLength(254, ErrorMessage = "Keep the address to 254 characters.")]
        public string? ReplyTo { get; init; }

        [Display(Name = "Days after the race start until the runners' personal data is erased")]
        [Required(ErrorMessage = "Enter after how many days the runners' personal data is erased.")]
        [Range(1, 3650, ErrorMessage = "Personal data is erased 1 to 3650 days after the race.")]
        public int? ErasePersonalDataDays { get; init; }

        /// <summary>The stored settings' version this form was filled from (their updated_at, in ticks).</summary>
        public long Version { get; init; }

        public static SettingsForm From(EventSettings settings) => new()
        {
            Name = settings.Name, StartsAt = settings.Local(settings.StartsAt), TimeZone = settings.TimeZone,
            Place = settings.Place, Description = settings.Description, BankAccountHolder = settings.BankAccountHolder,
            BankIban = settings.BankIban, BankBic = settings.BankBic, BankName = settings.BankName,
            RegistrationOpensAt = settings.Local(settings.RegistrationOpensAt),
            RegistrationClosesAt = settings.Local(settings.RegistrationClosesAt),
            PaymentDeadlineDays = settings.PaymentDeadlineDays, PaymentReminderDays = settings.PaymentReminderDays, EditDeadline = settings.Local(settings.EditDeadline),
            TransferDeadline = settings.Local(settings.TransferDeadline), TransferKeepsBib = settings.TransferKeepsBib,
            WaitlistOfferHours = settings.WaitlistOfferHours, EmailConfirmHours = settings.EmailConfirmHours, WaiverText = settings.WaiverText, WaiverVersion = settings.WaiverVersion,
            ReplyTo = settings.ReplyTo, ErasePersonalDataDays = settings.ErasePersonalDataDays,
        };
    }
}
