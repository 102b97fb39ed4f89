using TauTauRun.Web.Registration;

namespace TauTauRun.Rules.Tests;

public sealed class RunnerInputTests
{
    [TestCase("+31 6 1234 5678", "+31612345678")]
    [TestCase("0031 (6) 1234-5678", "+31612345678")]
    [TestCase("06.1234.5678", "0612345678")]
    [TestCase("123456", "123456")]
    [TestCase("+123456789012345", "+123456789012345")]
    public void A_phone_number_keeps_its_digits_and_plus(string typed, string stored) =>
        Assert.That(RunnerInput.Phone(typed), Is.EqualTo(stored));

    [TestCase("12345")]
    [TestCase("1234567890123456")]
    [TestCase("call me")]
    [TestCase("+")]
    [TestCase("")]
    [TestCase(null)]
    [TestCase("+31 6 1234 5678 ext 2")]
    public void A_phone_number_without_6_to_15_digits_is_refused(string? typed) =>
        Assert.That(RunnerInput.Phone(typed), Is.Null);

    [TestCase("anna@example.org", true)]
    [TestCase("anna.de.vries+race@mail.example.co.uk", true)]
    [TestCase("anna@localhost", false)]
    [TestCase("anna.example.org", false)]
    [TestCase("anna @example.org", false)]
    [TestCase("anna@@example.org", false)]
    [TestCase("anna@example.", false)]
    public void An_email_address_needs_a_dotted_domain(string address, bool valid) =>
        Assert.That(RunnerInput.IsEmail(address), Is.EqualTo(valid));

    [Test]
    public void An_email_address_longer_than_the_column_is_refused() =>
        Assert.That(RunnerInput.IsEmail(new string('a', 243) + "@example.org"), Is.False);

    [TestCase("  Anna   de\tVries ", "Anna de Vries")]
    [TestCase("Zoe\u0308", "Zoë")]
    public void A_line_is_trimmed_folded_and_normalised(string typed, string stored) =>
        Assert.That(RunnerInput.Line(typed), Is.EqualTo(stored));

    [TestCase("2000-05-01", "2027-05-01", 27)]
    [TestCase("2000-05-02", "2027-05-01", 26)]
    [TestCase("2000-02-29", "2027-02-28", 26)]
    [TestCase("2000-02-29", "2027-03-01", 27)]
    [TestCase("2027-05-01", "2027-05-01", 0)]
    public void Age_on_race_day_counts_whole_years(string birth, string day, int age) =>
        Assert.That(RunnerInput.AgeOn(DateOnly.Parse(birth), DateOnly.Parse(day)), Is.EqualTo(age));

    [TestCase("F", 19, "FU20")]
    [TestCase("M", 20, "MSEN")]
    [TestCase("X", 34, "XSEN")]
    [TestCase("F", 35, "F35")]
    [TestCase("F", 39, "F35")]
    [TestCase("M", 59, "M55")]
    [TestCase("X", 80, "X80")]
    public void Age_groups_follow_the_road_race_convention(string gender, int age, string group) =>
        Assert.That(AgeGroups.Of(gender, age), Is.EqualTo(group));
}
