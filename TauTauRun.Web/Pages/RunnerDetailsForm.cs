using System.ComponentModel.DataAnnotations;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages;

/// <summary>
/// A person's details typed by someone other than the public form's runner: the runner who hands their
/// place on, or an admin registering a walk-in. Checked by <see cref="RunnerFields"/>, like every form
/// with a runner's fields; shown by <c>Shared/_RunnerDetailsFields</c>.
/// </summary>
public sealed class RunnerDetailsForm
{
    [Display(Name = "Full name")] public string? FullName { get; set; }
    [Display(Name = "Email")] public string? Email { get; set; }
    [Display(Name = "Mobile phone")] public string? Phone { get; set; }
    [Display(Name = "Date of birth")] public DateOnly? DateOfBirth { get; set; }
    [Display(Name = "Parent's or guardian's name")] public string? GuardianName { get; set; }
    [Display(Name = "Parent's or guardian's phone")] public string? GuardianPhone { get; set; }
    [Display(Name = "Their parent or guardian has read the waiver and agrees to their taking part")] public bool GuardianConsent { get; set; }
    [Display(Name = "Gender")] public string? Gender { get; set; }
    [Display(Name = "T-shirt size")] public string? TshirtSize { get; set; }
    [Display(Name = "Emergency contact name")] public string? EmergencyContactName { get; set; }
    [Display(Name = "Emergency contact phone")] public string? EmergencyContactPhone { get; set; }
    [Display(Name = "Club (optional)")] public string? Club { get; set; }
    [Display(Name = "Medical notes (optional)")] public string? MedicalNotes { get; set; }
    [Display(Name = "They have read and accept the waiver and privacy notice")] public bool AcceptWaiver { get; set; }

    /// <summary>The person as the registration stores them, for <paramref name="race"/>; problems go into <paramref name="fields"/>.</summary>
    public Registrar.NewRunner Check(RunnerFields fields, long categoryId, (string Name, int MinimumAge)? race, EventSettings settings)
    {
        var raceDay = DateOnly.FromDateTime(settings.Local(settings.StartsAt));
        var birth = fields.DateOfBirth(DateOfBirth, DateOnly.FromDateTime(DateTime.UtcNow), raceDay, race);
        var runner = new Registrar.NewRunner(categoryId, fields.FullName(FullName), fields.Email(Email), fields.Phone(Phone), birth,
            fields.Gender(Gender), fields.TshirtSize(TshirtSize), fields.EmergencyContactName(EmergencyContactName),
            fields.EmergencyContactPhone(EmergencyContactPhone), fields.MedicalNotes(MedicalNotes), fields.Club(Club),
            settings.WaiverVersion, fields.Guardian(GuardianName, GuardianPhone, GuardianConsent, birth, raceDay));
        if (!AcceptWaiver)
            fields.Error(nameof(AcceptWaiver), "The runner must read and accept the waiver and privacy notice.");
        return runner;
    }
}
