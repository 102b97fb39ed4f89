using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Registration;

/// <summary>
/// The runner's fields, checked and cleaned by this one piece of code wherever they are typed: the
/// public form, the runner's own edit and an admin's edit. Each method returns the value as it is
/// stored (trimmed, folded, normalised: see <see cref="RunnerInput"/>) and records a message a runner
/// understands for a value that cannot be. The limits are the database's CHECK constraints (migration
/// 4); a test holds the two together.
/// </summary>
public sealed class RunnerFields
{
    public const int NameMaxLength = 100;
    public const int EmailMaxLength = 254;
    /// <summary>A phone number as typed, with its spaces and brackets; stored, it is 6 to 15 digits.</summary>
    public const int PhoneMaxLength = 30;
    public const int ClubMaxLength = 100;
    public const int MedicalNotesMaxLength = 1000;
    public const int InternalNotesMaxLength = 4000;
    /// <summary>Younger than this on race day, a runner registers with a guardian's consent.</summary>
    public const int AdultAge = 18;

    private readonly List<(string Field, string Message)> errors = [];

    /// <summary>Each problem with the name of its field (the form property's name).</summary>
    public IReadOnlyList<(string Field, string Message)> Errors => errors;
    public bool IsValid => errors.Count == 0;

    public string FullName(string? value) => Line(nameof(FullName), value, NameMaxLength,
        RunnerText.Get("Field.FullName.Required"), RunnerText.Get("Field.FullName.TooLong", NameMaxLength));

    public string Email(string? value)
    {
        var email = Line(nameof(Email), value, EmailMaxLength,
            RunnerText.Get("Field.Email.Required"), RunnerText.Get("Field.Email.TooLong"));
        if (email.Length > 0 && !Has(nameof(Email)) && !RunnerInput.IsEmail(email))
            Error(nameof(Email), RunnerText.Get("Field.Email.Shape"));
        return email;
    }

    public string Phone(string? value) => PhoneNumber(nameof(Phone), value, RunnerText.Get("Field.Phone.Required"));

    public string EmergencyContactName(string? value) => Line(nameof(EmergencyContactName), value, NameMaxLength,
        RunnerText.Get("Field.EmergencyContactName.Required"), RunnerText.Get("Field.Name.TooLong", NameMaxLength));

    public string EmergencyContactPhone(string? value) =>
        PhoneNumber(nameof(EmergencyContactPhone), value, RunnerText.Get("Field.EmergencyContactPhone.Required"));

    public string Club(string? value) => Line(nameof(Club), value, ClubMaxLength, required: null,
        RunnerText.Get("Field.Club.TooLong", ClubMaxLength));

    public string MedicalNotes(string? value) => Notes(nameof(MedicalNotes), value, MedicalNotesMaxLength, RunnerText.Get("Field.MedicalNotes.Name"),
        RunnerText.Get("Field.MedicalNotes.TooLong", MedicalNotesMaxLength));

    // Typed by admins only: English, as the admin area is.
    public string InternalNotes(string? value) => Notes(nameof(InternalNotes), value, InternalNotesMaxLength, "The internal notes",
        "Please keep internal notes to 4000 characters.");

    public string Gender(string? value) => Choice(nameof(Gender), value, RunnerInput.Genders.Keys,
        RunnerText.Get("Field.Gender.Required"), RunnerText.Get("Field.Gender.NotAnOption"));

    public string TshirtSize(string? value) => Choice(nameof(TshirtSize), value, RunnerInput.TshirtSizes,
        RunnerText.Get("Field.TshirtSize.Required"), RunnerText.Get("Field.TshirtSize.NotASize"));

    /// <param name="race">The race and its minimum age on <paramref name="raceDay"/>, when one is chosen.</param>
    public DateOnly DateOfBirth(DateOnly? value, DateOnly today, DateOnly raceDay, (string Name, int MinimumAge)? race)
    {
        if (value is not { } birth)
        {
            Error(nameof(DateOfBirth), RunnerText.Get("Field.DateOfBirth.Required"));
            return default;
        }
        if (birth >= today || birth.Year < 1900)
            Error(nameof(DateOfBirth), RunnerText.Get("Field.DateOfBirth.NotReal"));
        else if (race is { } r && RunnerInput.AgeOn(birth, raceDay) < r.MinimumAge)
            Error(nameof(DateOfBirth), RunnerText.Get("Race.MinimumAge", r.Name, r.MinimumAge, RunnerText.Date(raceDay)));
        return birth;
    }

    /// <summary>
    /// A parent's or guardian's name and phone for a runner under <see cref="AdultAge"/> on race day, who
    /// must also have given their consent; null for an adult (what an adult typed there is not kept).
    /// </summary>
    public Guardian? Guardian(string? name, string? phone, bool consent, DateOnly birth, DateOnly raceDay)
    {
        if (birth == default || RunnerInput.AgeOn(birth, raceDay) >= AdultAge)
            return null;
        var guardian = new Guardian(
            Line(nameof(Guardian) + "Name", name, NameMaxLength,
                RunnerText.Get("Field.GuardianName.Required", AdultAge), RunnerText.Get("Field.Name.TooLong", NameMaxLength)),
            PhoneNumber(nameof(Guardian) + "Phone", phone, RunnerText.Get("Field.GuardianPhone.Required")));
        if (!consent)
            Error(nameof(Guardian) + "Consent", RunnerText.Get("Field.GuardianConsent.Required"));
        return guardian;
    }

    /// <summary>A problem of the caller's own (a closed race, the waiver), kept with the others.</summary>
    public void Error(string field, string message)
    {
        if (!Has(field))
            errors.Add((field, message));
    }

    private bool Has(string field) => errors.Exists(e => e.Field == field);

    private string Line(string field, string? value, int maxLength, string? required, string tooLong)
    {
        var line = RunnerInput.Line(value);
        if (line.Length == 0 && required is not null)
            Error(field, required);
        else if (line.Length > maxLength)
            Error(field, tooLong);
        else if (RunnerInput.Problem(line) is { } problem)
            Error(field, RunnerText.Get("Problem.ThisField", problem));
        return line;
    }

    private string Notes(string field, string? value, int maxLength, string name, string tooLong)
    {
        var text = RunnerInput.Text(value);
        if (text.Length > maxLength)
            Error(field, tooLong);
        else if (RunnerInput.Problem(text, multiline: true) is { } problem)
            Error(field, $"{name} {problem}");
        return text;
    }

    private string PhoneNumber(string field, string? value, string required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Error(field, required);
            return "";
        }
        if (value.Length > PhoneMaxLength)
        {
            Error(field, RunnerText.Get("Field.Phone.TooLong"));
            return "";
        }
        var phone = RunnerInput.Phone(value);
        if (phone is null)
            Error(field, RunnerInput.PhoneHint);
        return phone ?? "";
    }

    private string Choice(string field, string? value, IEnumerable<string> options, string required, string notAnOption)
    {
        if (string.IsNullOrEmpty(value))
            Error(field, required);
        else if (!options.Contains(value))
            Error(field, notAnOption);
        return value ?? "";
    }
}

/// <summary>The parent or guardian who consented to a minor's registration, as stored.</summary>
public sealed record Guardian(string Name, string Phone);

