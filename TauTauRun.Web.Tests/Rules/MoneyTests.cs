using TauTauRun.Web.Data;

// Outside TauTauRun.Web.Tests, so the assembly's database fixture does not start for these: no HTTP, no database.
namespace TauTauRun.Rules.Tests;

public sealed class MoneyTests
{
    [TestCase("25", 2500)]
    [TestCase("25.5", 2550)]
    [TestCase("25.50", 2550)]
    [TestCase("25,50", 2550)]
    [TestCase(" 0.07 ", 7)]
    [TestCase("999999999.99", 99999999999)]
    public void Parses_an_amount_as_minor_units(string text, long minor) =>
        Assert.That(Money.ParseMinor(text), Is.EqualTo(minor));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("-5")]
    [TestCase("25.505")]
    [TestCase("1e3")]
    [TestCase("25.")]
    [TestCase("twenty")]
    [TestCase("1234567890")]
    public void Refuses_what_is_not_an_amount(string? text) =>
        Assert.That(Money.ParseMinor(text), Is.Null);

    [TestCase(2550, "EUR", "EUR 25.50")]
    [TestCase(7, "EUR", "EUR 0.07")]
    [TestCase(0, "GBP", "GBP 0.00")]
    [TestCase(-50, "EUR", "EUR -0.50")]
    [TestCase(123456, "EUR", "EUR 1234.56")]
    [TestCase(15000000, "IDR", "IDR 150,000")]
    [SetCulture("en")]
    public void Formats_with_the_currency_in_English(long minor, string currency, string shown) =>
        Assert.That(Money.Format(minor, currency), Is.EqualTo(shown));

    [TestCase(15000000, "IDR", "Rp150.000")]
    [TestCase(125000050, "IDR", "Rp1.250.001")]
    [TestCase(0, "IDR", "Rp0")]
    [TestCase(2550, "EUR", "EUR 25,50")]
    [TestCase(-50, "EUR", "EUR -0,50")]
    [SetCulture("id-ID")]
    public void Formats_rupiah_without_decimals_and_other_currencies_with_Indonesian_separators(long minor, string currency, string shown) =>
        Assert.That(Money.Format(minor, currency), Is.EqualTo(shown));

    [TestCase(2550, "EUR", "EUR 25.50")]
    [TestCase(15000000, "IDR", "IDR 150,000")]
    [SetCulture("de-DE")]
    public void A_culture_of_no_runner_language_formats_as_English(long minor, string currency, string shown) =>
        Assert.That(Money.Format(minor, currency), Is.EqualTo(shown));

    [TestCase(2500)]
    [TestCase(1)]
    [TestCase(123456789)]
    public void The_bare_amount_reads_back_as_the_same_minor_units(long minor) =>
        Assert.That(Money.ParseMinor(Money.Amount(minor)), Is.EqualTo(minor));
}
