using TauTauRun.Web.Data;

namespace TauTauRun.Web.Tests.Rules;

public sealed class AdminPasswordRulesTests
{
    [TestCase("password1234!")]
    [TestCase("Tautaurun2026!")]
    [TestCase("TauTau-Run-2026")]
    [TestCase("alice-was-here-2026")]
    [TestCase("qwertyuiop123")]
    [TestCase("Summer2026!!!")]
    public void Common_patterned_and_context_passwords_are_refused(string password) =>
        Assert.That(AdminPasswords.Problem(password, "alice", "Tau-Tau Run"), Is.Not.Null);

    [TestCase("correct horse battery")]
    [TestCase("plum kettle orbit sandal")]
    public void A_few_unrelated_words_are_accepted(string password) =>
        Assert.That(AdminPasswords.Problem(password, "alice", "Tau-Tau Run"), Is.Null);

    [Test]
    public void The_event_name_is_a_context_word() =>
        Assert.That(AdminPasswords.Problem("Harbourmarathon2026", "alice", "Harbour Marathon"), Is.Not.Null);
}
