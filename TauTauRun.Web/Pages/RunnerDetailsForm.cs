using System.ComponentModel.DataAnnotations;
using TauTauRun.Web.Data;
using TauTauRun.Web.Localization;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages;

/// <summary>
/// A person's details typed by someone other than the public form's runner: the runner who hands their
/// place on, or an admin registering a walk-in. Checked by <see cref="RunnerFields"/>, like every form
/// with a runner's fields; shown by <c>Shared/_RunnerDetailsFields</c>.
/// </summary>
public sealed class RunnerDetailsForm
{
    [Display(Name = "Field.FullName")] public string? FullName { get; set; }
    [Display(Name = "Field.Email")] public string? Email { get; set; }
    [Display(Name = "Field.Phone")] public string? Phone { get; set; }
    [Display(Name = "Field.DateOfBirth")] public DateOnly? DateOfBirth { get; set; }
    [Display(Name = "Field.GuardianName")] public string? GuardianName { get; set; }
    [Display(Name = "Field.GuardianPhone")] public string? GuardianPhone { get; set; }
    [Display(Name = "Field.TheirGuardianConsent")] public bool GuardianConsent { get; set; }
    [Display(Name = "Field.Gender")] public string? Gender { get; set; }
    [Display(Name = "Field.TshirtSize")] public string? TshirtSize { get; set; }
    [Display(Name = "Field.EmergencyContactName")] public string? EmergencyContactName { get; set; }
    [Display(Name = "Field.EmergencyContactPhone")] public string? EmergencyContactPhone { get; set; }
    [Display(Name = "Field.Club")] public string? Club { get; set; }
    [Display(Name = "Field.MedicalNotes")] public string? MedicalNotes { get; set; }
    [Display(Name = "Field.TheirAcceptWaiver")] public bool AcceptWaiver { get; set; }

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
            fields.Error(nameof(AcceptWaiver), RunnerText.Get("Field.TheirAcceptWaiver.Required"));
        return runner;
    }
}
