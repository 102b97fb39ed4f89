using AngleSharp.Html.Parser;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;

namespace TauTauRun.Web.Tests.Email;

public sealed class EmailTemplatesTests
{
    private static readonly EventSettings Settings = new() { Name = "Tau-Tau Run", Place = "City Park", BankIban = "NL91ABNA0417164300" };

    private static readonly RunnerDetails Runner = new(
        "x@runners.test", "José <b>Núñez</b> 王小明", "TTR-7K3M9Q", "10K", 2500, "EUR", 42,
        new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 2, 10, 0, 0, DateTimeKind.Utc), EmailConfirmed: false);

    [TestCaseSource(typeof(EmailKind), nameof(EmailKind.All))]
    public void Every_kind_has_both_bodies_with_the_event_and_escapes_the_runners_values(string kind)
    {
        var email = EmailTemplates.Render(kind, Settings, Runner, "https://register.test/status/abc");

        Assert.That(email.Subject, Does.Contain("Tau-Tau Run"));
        Assert.That(email.Text, Does.Contain("José <b>Núñez</b> 王小明"), "plain text keeps the name as typed");
        var html = new HtmlParser().ParseDocument(email.Html);
        Assert.That(html.Body!.TextContent, Does.Contain("José <b>Núñez</b> 王小明"));
        Assert.That(html.QuerySelector("p b"), Is.Null, "the name must not become markup");
    }

    [Test]
    public void Registration_received_carries_the_payment_instructions_and_the_status_link()
    {
        var email = EmailTemplates.Render(EmailKind.RegistrationReceived, Settings, Runner, "https://register.test/status/abc");

        Assert.That(email.Text, Does.Contain("Amount: EUR 25.00").And.Contain("Payment reference: TTR-7K3M9Q")
            .And.Contain("IBAN: NL91ABNA0417164300").And.Contain("https://register.test/status/abc"));
        var link = new HtmlParser().ParseDocument(email.Html).QuerySelector("a")!;
        Assert.That(link.GetAttribute("href"), Is.EqualTo("https://register.test/status/abc"));
    }

    [Test]
    public void Payment_confirmed_gives_the_bib()
    {
        var email = EmailTemplates.Render(EmailKind.PaymentConfirmed, Settings, Runner, null);

        Assert.That(email.Subject, Does.Contain("your bib is 42"));
        Assert.That(email.Text, Does.Contain("Bib number: 42"));
    }

    [Test]
    public void A_kind_that_links_to_the_status_page_refuses_to_render_without_a_link() =>
        Assert.That(() => EmailTemplates.Render(EmailKind.WaitlistOffer, Settings, Runner, null), Throws.ArgumentException);
}
