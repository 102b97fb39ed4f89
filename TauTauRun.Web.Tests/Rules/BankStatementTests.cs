using System.Text;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Tests.Rules;

/// <summary>Reading statements without a database: encodings, the generic layout, amounts, line identity.</summary>
public sealed class BankStatementTests
{
    static BankStatementTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private const string Generic = "Datum;Omschrijving;Bedrag\r\n2026-11-03;Inschrijving TTR-4G7VWP Café Müller;250.000,00\r\n2026-11-04;Terugboeking;-50,00\r\n";

    [Test]
    public void Windows_1252_and_utf8_with_or_without_bom_read_the_same()
    {
        var columns = new BankStatement.Columns(1, 2, 3, HasHeader: true);
        var files = new[]
        {
            Encoding.GetEncoding(1252).GetBytes(Generic),
            Encoding.UTF8.GetBytes(Generic),
            [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Generic)],
        };
        foreach (var file in files)
        {
            var result = BankStatement.Read(file, BankStatement.Layout.Generic, columns);
            Assert.That(result.Error, Is.Null);
            Assert.That(result.Lines.Select(l => (l.Row, l.BookedOn, l.Description, l.AmountMinor)), Is.EqualTo(new[]
            {
                (2, new DateOnly(2026, 11, 3), "Inschrijving TTR-4G7VWP Café Müller", 25000000L),
            }), "the negative line (money out) is left out");
        }
        Assert.That(files.Select(f => BankStatement.Read(f, BankStatement.Layout.Generic, columns).Lines[0].Identity).Distinct().Count(), Is.EqualTo(1),
            "a line's identity does not depend on the file's encoding");
    }

    [Test]
    public void Identical_rows_in_one_file_are_two_lines()
    {
        var file = Encoding.UTF8.GetBytes("03/11/2026,TTR-4G7VWP,25.00\n03/11/2026,TTR-4G7VWP,25.00\n");
        var lines = BankStatement.Read(file, BankStatement.Layout.Generic, new BankStatement.Columns(1, 2, 3, HasHeader: false)).Lines;
        Assert.That(lines.Select(l => l.Identity).Distinct().Count(), Is.EqualTo(2));
    }

    [TestCase("250,000.00", 25000000L)]
    [TestCase("250.000,00", 25000000L)]
    [TestCase("250.000", 25000000L)]
    [TestCase("Rp 250.000", 25000000L)]
    [TestCase("25.50", 2550L)]
    [TestCase(".00", 0L)]
    [TestCase("twelve", null)]
    [TestCase("", null)]
    public void Amounts_as_banks_write_them(string text, long? minor) => Assert.That(BankStatement.Amount(text), Is.EqualTo(minor));
}
