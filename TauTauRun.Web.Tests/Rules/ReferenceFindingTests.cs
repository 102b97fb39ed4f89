using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Tests.Rules;

/// <summary>References as people and banks write them, found in free text (check-in search, bank statements).</summary>
public sealed class ReferenceFindingTests
{
    [TestCase("TTR-467VWP", "TTR-467VWP")]
    [TestCase("ttr467vwp", "TTR-467VWP")]
    [TestCase("TRSF E-BANKING CR 0112/FTSCY/WS95031 TTR 467 VWP BUDI SANTOSO", "TTR-467VWP")]
    [TestCase("Pembayaran ttr-467-vwp.", "TTR-467VWP")]
    [TestCase("for TTR-467VWP and TTR-9K3M2Q (two runners)", "TTR-467VWP,TTR-9K3M2Q")]
    [TestCase("TTR-467VWP TTR-467VWP", "TTR-467VWP")]
    [TestCase("TTR-467VWPX", "")]
    [TestCase("XTTR-467VWP", "")]
    [TestCase("TTR-467VW", "")]
    [TestCase("TTR-467IWP", "", Description = "I is not in the alphabet")]
    [TestCase("", "")]
    public void Finds_each_reference_once_in_canonical_form(string text, string expected) =>
        Assert.That(string.Join(",", References.FindAll(text)), Is.EqualTo(expected));
}
