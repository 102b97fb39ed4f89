using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// CSV exports for admins (volunteers cannot take the whole list away): every participant with every
/// field, and the start list for the timing company (paid runners, by bib). Each export is audited.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class ExportsModel(NpgsqlDataSource dataSource, EventSettingsStore settingsStore) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnGetParticipantsAsync(CancellationToken cancellationToken)
    {
        await AuditAsync("export.participants");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = connection.QueryUnbufferedAsync<ParticipantRow>("""
            SELECT p.reference, c.name AS category_name, p.payment_status, p.bib, p.full_name, p.email, p.phone, p.date_of_birth,
                   p.gender, p.tshirt_size, p.emergency_contact_name, p.emergency_contact_phone, p.medical_notes, p.club,
                   p.amount_due_minor, p.currency, p.amount_paid_minor, p.payment_method, p.payment_bank_reference, p.paid_on,
                   p.waiver_version, p.waiver_accepted_at, p.created_at, p.internal_notes, p.language
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            ORDER BY p.id
            """);
        await CsvExport.WriteAsync(Response, $"participants-{DateTime.UtcNow:yyyyMMdd}.csv",
        [
            "reference", "category", "status", "bib", "full_name", "email", "phone", "date_of_birth", "gender", "tshirt_size",
            "emergency_contact_name", "emergency_contact_phone", "medical_notes", "club", "amount_due", "currency", "amount_paid",
            "payment_method", "bank_reference", "paid_on", "waiver_version", "waiver_accepted_at_utc", "registered_at_utc", "internal_notes",
            "language",
        ], rows, p =>
        [
            p.Reference, p.CategoryName, p.PaymentStatus, Number(p.Bib), p.FullName, p.Email, p.Phone, Date(p.DateOfBirth), p.Gender, p.TshirtSize,
            p.EmergencyContactName, p.EmergencyContactPhone, p.MedicalNotes, p.Club, Amount(p.AmountDueMinor), p.Currency, Amount(p.AmountPaidMinor),
            p.PaymentMethod, p.PaymentBankReference, p.PaidOn is { } paid ? Date(paid) : null, p.WaiverVersion, Time(p.WaiverAcceptedAt),
            Time(p.CreatedAt), p.InternalNotes, p.Language,
        ], cancellationToken);
        return new EmptyResult();
    }

    /// <summary>Paid runners by bib, with the age group the timing company ranks them in (age on race day).</summary>
    public async Task<IActionResult> OnGetStartListAsync(CancellationToken cancellationToken)
    {
        await AuditAsync("export.start_list");
        var settings = await settingsStore.LoadAsync();
        var raceDay = DateOnly.FromDateTime(settings.Local(settings.StartsAt));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = connection.QueryUnbufferedAsync<Starter>($"""
            SELECT p.bib, p.full_name, p.gender, p.date_of_birth, c.name AS category, p.club
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            WHERE p.payment_status = '{ParticipantStatus.Paid}'
            ORDER BY p.bib
            """);
        await CsvExport.WriteAsync(Response, $"start-list-{DateTime.UtcNow:yyyyMMdd}.csv",
            ["bib", "name", "gender", "date_of_birth", "age_group", "category", "club"], rows, s =>
            [Number(s.Bib), s.FullName, s.Gender, Date(s.DateOfBirth), AgeGroups.Of(s.Gender, RunnerInput.AgeOn(s.DateOfBirth, raceDay)), s.Category, s.Club],
            cancellationToken);
        return new EmptyResult();
    }

    private async Task AuditAsync(string action)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await AuditLog.WriteAsync(transaction, AuditActor.Of(HttpContext), action);
        await transaction.CommitAsync();
    }

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);
    private static string Date(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    private static string Time(DateTime value) => value.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
    private static string? Amount(long? minor) => minor is { } m ? Money.Amount(m) : null;

    public sealed record Starter(int Bib, string FullName, string Gender, DateOnly DateOfBirth, string Category, string Club);
}
