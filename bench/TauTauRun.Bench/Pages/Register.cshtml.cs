using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;

namespace TauTauRun.Bench.Pages;

/// <summary>Baseline (a)'s form: the app's fields, DataAnnotations only, one transaction, a redirect.</summary>
public sealed class RegisterModel(NpgsqlDataSource dataSource) : PageModel
{
    public static readonly IReadOnlyList<(long Id, string Label)> Categories = [(1, "5K – €15.00"), (2, "10K – €25.00"), (3, "Half marathon – €40.00")];
    public static readonly IReadOnlyList<string> Sizes = ["XS", "S", "M", "L", "XL", "XXL"];

    [BindProperty]
    public RegistrationForm Form { get; set; } = new();

    public void OnGet() => Form = new RegistrationForm { Token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)) };

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
            return Page();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO bare_participants (category_id, full_name, email, phone, date_of_birth, gender, tshirt_size,
                emergency_contact_name, emergency_contact_phone, club, medical_notes)
            VALUES (@CategoryId, @FullName, @Email, @Phone, @DateOfBirth, @Gender, @TshirtSize,
                @EmergencyContactName, @EmergencyContactPhone, @Club, @MedicalNotes)
            RETURNING id
            """, Form, transaction);
        await connection.ExecuteAsync("INSERT INTO bare_outbox (participant_id, recipient) VALUES (@id, @Email)",
            new { id, Form.Email }, transaction);
        await transaction.CommitAsync();
        return Redirect($"/done/{id}");
    }

    public sealed class RegistrationForm
    {
        [Display(Name = "Race"), Required] public long? CategoryId { get; set; }
        [Display(Name = "Full name"), Required, StringLength(100)] public string? FullName { get; set; }
        [Display(Name = "Email"), Required, EmailAddress, StringLength(254)] public string? Email { get; set; }
        [Display(Name = "Mobile phone"), Required, Phone, StringLength(30)] public string? Phone { get; set; }
        [Display(Name = "Date of birth"), Required] public DateOnly? DateOfBirth { get; set; }
        [Display(Name = "Gender"), Required, RegularExpression("[FMX]")] public string? Gender { get; set; }
        [Display(Name = "T-shirt size"), Required, StringLength(3)] public string? TshirtSize { get; set; }
        [Display(Name = "Emergency contact name"), Required, StringLength(100)] public string? EmergencyContactName { get; set; }
        [Display(Name = "Emergency contact phone"), Required, Phone, StringLength(30)] public string? EmergencyContactPhone { get; set; }
        [Display(Name = "Club (optional)"), StringLength(100)] public string? Club { get; set; }
        [Display(Name = "Medical notes (optional)"), StringLength(1000)] public string? MedicalNotes { get; set; }
        [Display(Name = "I accept the waiver"), Range(typeof(bool), "true", "true")] public bool AcceptWaiver { get; set; }
        public string? Token { get; set; }
    }
}
