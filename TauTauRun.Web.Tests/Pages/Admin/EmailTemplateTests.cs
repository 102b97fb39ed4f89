using System.Net;
using AngleSharp.Html.Parser;
using Dapper;
using TauTauRun.Web.Email;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

/// <summary>Emails in the organiser's words, edited on /admin/emails/templates/KIND and delivered to a real SMTP server.</summary>
public sealed class EmailTemplateTests : DatabaseTest
{
    private const string Page = "/admin/emails/templates/PAYMENT_CONFIRMED";
    private TestSmtpServer smtp = null!;
    private TestApp app = null!;
    private AdminSession alice = null!;
    private long category;

    [SetUp]
    public async Task StartAsync()
    {
        smtp = new TestSmtpServer();
        smtp.Start();
        var settings = smtp.AppSettings;
        settings["Email:PollInterval"] = "00:00:00.100";
        app = new TestApp(settings: settings);
        alice = await AdminSession.SignedInAsync(app, "alice");
        await using var connection = await OpenAsync();
        category = await TestData.CategoryAsync(connection);
    }

    [TearDown]
    public async Task StopAsync()
    {
        alice.Dispose();
        await app.DisposeAsync();
        await smtp.DisposeAsync();
    }

    [Test]
    public async Task An_edited_template_is_used_for_the_next_email_and_the_previous_version_can_be_restored()
    {
        await SaveAsync("Paid: {reference}", "Dear {name},\n\nbib {bib} is yours for the {race}.");
        var first = await PaymentConfirmedAsync();
        await SaveAsync("Version two for {reference}", "Hello {name}.");
        var second = await PaymentConfirmedAsync();
        var restore = await alice.PostAsync($"{Page}?handler=Restore&version=1", new Dictionary<string, string>());
        var third = await PaymentConfirmedAsync();

        Assert.That(AdminSession.RedirectPath(restore), Is.EqualTo(Page.ToLowerInvariant()));
        Assert.That(first.Subject, Is.EqualTo($"Paid: {first.Reference}"));
        Assert.That(first.Text, Does.Contain($"Dear Runner {first.Reference},").And.Contain("is yours for the 10K"));
        Assert.That(second.Subject, Is.EqualTo($"Version two for {second.Reference}"));
        Assert.That(third.Subject, Is.EqualTo($"Paid: {third.Reference}"), "version 1 restored");
        await using var connection = await OpenAsync();
        Assert.That(await connection.QueryAsync<string>("SELECT action FROM audit_log WHERE action LIKE 'email_template.%' ORDER BY id"),
            Is.EqualTo(new[] { "email_template.saved", "email_template.saved", "email_template.restored" }));
    }

    [Test]
    public async Task Back_to_the_default_the_next_email_has_the_built_in_text_again()
    {
        await SaveAsync("Paid: {reference}", "Hello {name}.");
        await alice.PostAsync($"{Page}?handler=Default", new Dictionary<string, string>());

        var email = await PaymentConfirmedAsync();

        Assert.That(email.Subject, Does.StartWith("Payment confirmed"));
    }

    [Test]
    public async Task Script_typed_into_a_template_arrives_escaped()
    {
        await SaveAsync("<script>alert(1)</script> {reference}", "<script>alert('x')</script> Hello <b>{name}</b>\n\n<img src=x onerror=alert(2)>");

        var email = await PaymentConfirmedAsync();

        var message = (await smtp.WaitForAsync(1)).Single();
        var html = new HtmlParser().ParseDocument(message.HtmlBody!);
        Assert.That(html.QuerySelector("script"), Is.Null);
        Assert.That(html.QuerySelector("b"), Is.Null);
        Assert.That(html.QuerySelector("img"), Is.Null);
        Assert.That(html.Body!.TextContent, Does.Contain("<script>alert('x')</script> Hello <b>Runner"), "shown as typed");
        Assert.That(message.HtmlBody, Does.Contain("&lt;script&gt;"));
        Assert.That(message.TextBody, Does.Contain($"<script>alert('x')</script> Hello <b>Runner {email.Reference}</b>"));
    }

    [Test]
    public async Task Each_language_has_its_own_wording_and_english_wording_never_reaches_an_indonesian_reader()
    {
        await SaveAsync("Paid: {reference}", "Dear {name}.");
        var beforeTranslation = await PaymentConfirmedAsync("id");
        await SaveAsync("Lunas: {reference}", "Halo {name}, nomor BIB Anda {bib}.", language: "id");

        var indonesian = await PaymentConfirmedAsync("id");
        var english = await PaymentConfirmedAsync("en");

        Assert.That(beforeTranslation.Subject, Does.StartWith("Pembayaran diterima – nomor BIB Anda"), "the built-in Indonesian text, not the English wording");
        Assert.That(indonesian.Subject, Is.EqualTo($"Lunas: {indonesian.Reference}"));
        Assert.That(indonesian.Text, Does.Contain($"Halo Runner {indonesian.Reference}, nomor BIB Anda"));
        Assert.That(english.Subject, Is.EqualTo($"Paid: {english.Reference}"));
        var editor = WebUtility.HtmlDecode(await (await alice.Http.GetAsync($"{Page}/id")).Content.ReadAsStringAsync());
        Assert.That(editor, Does.Contain("Lunas: {reference}").And.Contain("PAYMENT_CONFIRMED email in Bahasa Indonesia"));
        await using var connection = await OpenAsync();
        Assert.That(await connection.QueryAsync<(string, int)>("SELECT language, version FROM email_templates ORDER BY id"),
            Is.EqualTo(new[] { ("en", 1), ("id", 1) }), "versions are counted per language");
    }

    [Test]
    public async Task A_language_the_site_does_not_have_is_not_found() =>
        Assert.That((await alice.Http.GetAsync($"{Page}/fr")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

    [TestCase("Paid", "Hello {nmae}.", "{nmae}, which is not a placeholder")]
    [TestCase("Paid {reference", "Hello.", "a { or } that is not part of a placeholder")]
    [TestCase("Paid", "Your page: {status_link}", "sent without a status link")]
    [TestCase("Paid", "", "Enter the text of the email.")]
    public async Task A_template_with_an_unknown_or_broken_placeholder_is_refused_and_nothing_is_stored(string subject, string body, string message)
    {
        var save = await SaveAsync(subject, body, expectSaved: false);

        Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(WebUtility.HtmlDecode(await save.Content.ReadAsStringAsync()), Does.Contain(message));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM email_templates"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action LIKE 'email_template.%'"), Is.Zero);
    }

    /// <param name="language">Null: the page without a language, which edits English.</param>
    private async Task<HttpResponseMessage> SaveAsync(string subject, string body, bool expectSaved = true, string? language = null)
    {
        var page = language is null ? Page : $"{Page}/{language}";
        var response = await alice.PostAsync($"{page}?handler=Save", new Dictionary<string, string> { ["Form.Subject"] = subject, ["Form.Body"] = body });
        if (expectSaved)
            Assert.That(AdminSession.RedirectPath(response), Is.EqualTo(page.ToLowerInvariant()), await response.Content.ReadAsStringAsync());
        return response;
    }

    /// <summary>Queues a payment confirmation as the app does and returns what was rendered for it.</summary>
    private async Task<Queued> PaymentConfirmedAsync(string language = "en")
    {
        await using var connection = await OpenAsync();
        var participant = await TestData.ParticipantAsync(connection, category, "PAID");
        await connection.ExecuteAsync("UPDATE participants SET language = @language WHERE id = @participant", new { language, participant });
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await app.Services.GetRequiredService<EmailOutbox>().QueueAsync(transaction, participant, EmailKind.PaymentConfirmed);
        await transaction.CommitAsync();
        return await connection.QuerySingleAsync<Queued>("""
            SELECT p.reference, e.subject, e.text_body AS Text FROM email_logs e JOIN participants p ON p.id = e.participant_id WHERE e.id = @id
            """, new { id });
    }

    private sealed record Queued(string Reference, string Subject, string Text);
}
