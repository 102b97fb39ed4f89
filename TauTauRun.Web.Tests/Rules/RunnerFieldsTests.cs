using TauTauRun.Web.Registration;

namespace TauTauRun.Rules.Tests;

/// <summary>The one set of rules for a runner's fields, as the public form, the runner's edit and an admin's edit apply them.</summary>
public sealed class RunnerFieldsTests
{
    private static readonly DateOnly Today = new(2026, 12, 1);
    private static readonly DateOnly RaceDay = new(2027, 5, 1);

    private static (string? Value, string? Error) Check(string field, string? typed)
    {
        var fields = new RunnerFields();
        string? value = field switch
        {
            "FullName" => fields.FullName(typed),
            "Email" => fields.Email(typed),
            "Phone" => fields.Phone(typed),
            "EmergencyContactName" => fields.EmergencyContactName(typed),
            "EmergencyContactPhone" => fields.EmergencyContactPhone(typed),
            "Club" => fields.Club(typed),
            "MedicalNotes" => fields.MedicalNotes(typed),
            "InternalNotes" => fields.InternalNotes(typed),
            "Gender" => fields.Gender(typed),
            "TshirtSize" => fields.TshirtSize(typed),
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
        Assert.That(fields.Errors.Select(e => e.Field), Is.All.EqualTo(field));
        return (value, fields.Errors.Select(e => e.Message).SingleOrDefault());
    }

    [TestCase("FullName", "  Anna   de Vries ", "Anna de Vries")]
    [TestCase("Email", " anna@example.org ", "anna@example.org")]
    [TestCase("Phone", "+31 6 1234 5678", "+31612345678")]
    [TestCase("EmergencyContactPhone", "0031 20 123 4567", "+31201234567")]
    [TestCase("Club", "", "")]
    [TestCase("Club", " AV  Tau ", "AV Tau")]
    [TestCase("MedicalNotes", " asthma\r\ninhaler in bag ", "asthma\ninhaler in bag")]
    [TestCase("Gender", "X", "X")]
    [TestCase("TshirtSize", "XXL", "XXL")]
    public void A_good_value_comes_back_as_stored(string field, string typed, string stored) =>
        Assert.That(Check(field, typed), Is.EqualTo(((string?)stored, (string?)null)));

    [TestCase("FullName", "", "Please enter your full name.")]
    [TestCase("FullName", "   ", "Please enter your full name.")]
    [TestCase("FullName", "A\u0007nna", "This contains invisible control characters; please type it again.")]
    [TestCase("FullName", "Anna\uFFFE", "This contains characters we could not read; please type it again.")]
    [TestCase("Email", null, "Please enter your email address: your confirmation goes there.")]
    [TestCase("Email", "anna@localhost", "Enter an email address like name@example.org.")]
    [TestCase("Phone", "", "Please enter a phone number we can reach you on.")]
    [TestCase("Phone", "12345", "Enter a phone number with 6 to 15 digits, e.g. +31 6 1234 5678.")]
    [TestCase("Phone", "1234567890 1234567890 1234567890", "That phone number is too long.")]
    [TestCase("EmergencyContactName", "", "Please name someone we can call in an emergency.")]
    [TestCase("EmergencyContactPhone", "", "Please give your emergency contact's phone number.")]
    [TestCase("EmergencyContactPhone", "+", "Enter a phone number with 6 to 15 digits, e.g. +31 6 1234 5678.")]
    [TestCase("MedicalNotes", "none\uFFFF", "The medical notes contains characters we could not read; please type it again.")]
    [TestCase("Gender", "", "Please choose an option: the results are ranked by it.")]
    [TestCase("Gender", "Q", "Choose one of the options.")]
    [TestCase("TshirtSize", null, "Please choose a T-shirt size.")]
    [TestCase("TshirtSize", "XXXXL", "Choose one of the sizes.")]
    public void A_bad_value_gets_its_message(string field, string? typed, string message) =>
        Assert.That(Check(field, typed).Error, Is.EqualTo(message));

    [TestCase("FullName", RunnerFields.NameMaxLength, "Please keep your name to 100 characters.")]
    [TestCase("EmergencyContactName", RunnerFields.NameMaxLength, "Please keep the name to 100 characters.")]
    [TestCase("Club", RunnerFields.ClubMaxLength, "Please keep the club name to 100 characters.")]
    [TestCase("MedicalNotes", RunnerFields.MedicalNotesMaxLength, "Please keep medical notes to 1000 characters.")]
    [TestCase("InternalNotes", RunnerFields.InternalNotesMaxLength, "Please keep internal notes to 4000 characters.")]
    public void A_value_at_the_limit_is_kept_and_one_over_is_refused(string field, int limit, string message)
    {
        Assert.That(Check(field, new string('a', limit)).Error, Is.Null);
        Assert.That(Check(field, new string('a', limit + 1)).Error, Is.EqualTo(message));
    }

    [Test]
    public void An_email_address_over_the_limit_is_too_long() =>
        Assert.That(Check("Email", new string('a', RunnerFields.EmailMaxLength) + "@example.org").Error, Is.EqualTo("That email address is too long."));

    [TestCase("1990-04-01", null)]
    [TestCase("2026-12-01", "Enter your real date of birth.")]
    [TestCase("1899-12-31", "Enter your real date of birth.")]
    [TestCase("2009-05-01", null)]
    [TestCase("2009-05-02", "Runners in the Marathon must be at least 18 on race day (1 May 2027).")]
    public void A_date_of_birth_is_real_and_old_enough_for_the_race(string birth, string? message)
    {
        var fields = new RunnerFields();
        fields.DateOfBirth(DateOnly.Parse(birth), Today, RaceDay, ("Marathon", 18));
        Assert.That(fields.Errors.Select(e => e.Message).SingleOrDefault(), Is.EqualTo(message));
    }

    [Test]
    public void A_missing_date_of_birth_is_asked_for()
    {
        var fields = new RunnerFields();
        fields.DateOfBirth(null, Today, RaceDay, race: null);
        Assert.That(fields.Errors, Is.EqualTo(new[] { ("DateOfBirth", "Please enter your date of birth.") }));
    }

    [Test]
    public void A_field_gets_one_message_the_first()
    {
        var fields = new RunnerFields();
        fields.Email("anna@localhost");
        fields.Error("Email", "Another message.");
        Assert.That(fields.Errors, Is.EqualTo(new[] { ("Email", "Enter an email address like name@example.org.") }));
        Assert.That(fields.IsValid, Is.False);
    }

    [Test]
    public void A_runner_under_18_on_race_day_needs_a_guardians_name_phone_and_consent()
    {
        var fields = new RunnerFields();

        fields.Guardian("", "", consent: false, RaceDay.AddYears(-18).AddDays(1), RaceDay);

        Assert.That(fields.Errors.Select(e => e.Field), Is.EqualTo(new[] { "GuardianName", "GuardianPhone", "GuardianConsent" }));
    }

    [Test]
    public void A_runner_who_turns_18_on_race_day_needs_no_guardian()
    {
        var fields = new RunnerFields();

        Assert.That(fields.Guardian("Someone", "+62 812 1111 2222", consent: true, RaceDay.AddYears(-18), RaceDay), Is.Null);
        Assert.That(fields.IsValid);
    }

    [Test]
    public void A_guardian_is_kept_cleaned()
    {
        var fields = new RunnerFields();

        var guardian = fields.Guardian(" Ibu  Sari ", "0062 812-1111-2222", consent: true, RaceDay.AddYears(-12), RaceDay);

        Assert.That(guardian, Is.EqualTo(new Guardian("Ibu Sari", "+6281211112222")));
        Assert.That(fields.IsValid);
    }
}
