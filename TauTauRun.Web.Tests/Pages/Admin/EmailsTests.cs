using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Dapper;
using TauTauRun.Web.Email;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

public sealed class EmailsTests : DatabaseTest
{
    private const string Password = "correct horse battery";
    private TestSmtpServer smtp = null!;
    private TestApp app = null!;
    private long categoryId;

    [SetUp]
    public async Task StartAsync()
    {
        smtp = new TestSmtpServer();
        smtp.Start();
        var settings = smtp.AppSettings;
        settings["Email:PollInterval"] = "00:00:00.100";
        app = new TestApp(settings: settings);
        await using var connection = await OpenAsync();
        categoryId = await TestData.CategoryAsync(connection);
    }

    [TearDown]
    public async Task StopAsync()
    {
        await app.DisposeAsync();
        await smtp.DisposeAsync();
    }

    [Test]
    public async Task Filters_by_status_and_kind_and_shows_the_error()
    {
        await using var connection = await OpenAsync();
        var runner = await TestData.ParticipantAsync(connection, categoryId, "PAID");
        var failedRegistration = await TestData.EmailAsync(connection, runner, EmailKind.RegistrationReceived, "FAILED");
        var failedPayment = await TestData.EmailAsync(connection, runner, EmailKind.PaymentConfirmed, "FAILED");
        var sentPayment = await TestData.EmailAsync(connection, runner, EmailKind.PaymentConfirmed, "SENT");
        using var alice = await SignedInAsync();

        var all = await IdsAsync(alice, "/admin/emails");
        var failed = await IdsAsync(alice, "/admin/emails?Filter.Status=FAILED");
        var failedPayments = await IdsAsync(alice, "/admin/emails?Filter.Status=FAILED&Filter.Kind=PAYMENT_CONFIRMED");
        var payments = await IdsAsync(alice, "/admin/emails?Filter.Kind=PAYMENT_CONFIRMED");
        var page = await PageAsync(alice, "/admin/emails?Filter.Status=FAILED");

        Assert.That(all, Is.EqualTo(new[] { sentPayment, failedPayment, failedRegistration }), "newest first");
        Assert.That(failed, Is.EqualTo(new[] { failedPayment, failedRegistration }));
        Assert.That(failedPayments, Is.EqualTo(new[] { failedPayment }));
        Assert.That(payments, Is.EqualTo(new[] { sentPayment, failedPayment }));
        Assert.That(page.QuerySelector("table.emails tbody tr")!.TextContent, Does.Contain("SMTP 550: mailbox unavailable"));
        Assert.That(page.QuerySelector(".failures")!.TextContent, Does.Contain("2 failed"));
    }

    [TestCase("Filter.Status=LOST")]
    [TestCase("Filter.Kind=SPAM")]
    public async Task An_unknown_filter_value_is_a_400_with_a_message(string query)
    {
        using var alice = await SignedInAsync();

        var response = await alice.GetAsync("/admin/emails?" + query);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("Choose one of the"));
    }

    [Test]
    public async Task Pages_go_back_in_time_without_repeating_or_skipping_a_message()
    {
        await using var connection = await OpenAsync();
        var runner = await TestData.ParticipantAsync(connection, categoryId, "PAID");
        var ids = new List<long>();
        for (var i = 0; i < 60; i++)
            ids.Add(await TestData.EmailAsync(connection, runner, EmailKind.PaymentConfirmed, "SENT"));
        using var alice = await SignedInAsync();

        var first = await PageAsync(alice, "/admin/emails?Filter.Status=SENT");
        var older = first.QuerySelector(".paging a:last-child")!.GetAttribute("href")!;
        var second = await PageAsync(alice, older);

        var seen = Ids(first).Concat(Ids(second)).ToList();
        Assert.That(Ids(first), Has.Count.EqualTo(50));
        Assert.That(seen, Is.EqualTo(ids.AsEnumerable().Reverse()));
        Assert.That(older, Does.Contain("Filter.Status=SENT"), "the filter stays on the next page");
    }

    [Test]
    public async Task Resending_one_message_delivers_it_again_with_the_same_message_id_to_the_current_address()
    {
        long emailId;
        long runner;
        await using (var connection = await OpenAsync())
        {
            runner = await TestData.ParticipantAsync(connection, categoryId, "PENDING", email: "old@runners.test");
            emailId = await TestData.EmailAsync(connection, runner, EmailKind.RegistrationReceived, "FAILED");
            await connection.ExecuteAsync("UPDATE participants SET email = 'new@runners.test' WHERE id = @runner", new { runner });
        }
        using var alice = await SignedInAsync();

        var resend = await alice.PostAsync($"/admin/emails?handler=Resend&id={emailId}", new Dictionary<string, string>());

        Assert.That(AdminSession.RedirectPath(resend), Is.EqualTo("/admin/emails"));
        var message = (await smtp.WaitForAsync(1)).Single();
        await using var check = await OpenAsync();
        var messageId = await check.ExecuteScalarAsync<string>("SELECT message_id FROM email_logs WHERE id = @emailId", new { emailId });
        Assert.That(message.MessageId, Is.EqualTo(messageId));
        Assert.That(message.To.Mailboxes.Single().Address, Is.EqualTo("new@runners.test"));
        var audit = await check.QuerySingleAsync<(long? ParticipantId, string Details)>(
            "SELECT participant_id, details::text FROM audit_log WHERE action = 'email.resent'");
        Assert.That(audit.ParticipantId, Is.EqualTo(runner));
        Assert.That(audit.Details, Does.Contain($"\"id\": {emailId}").And.Contain("\"statusBefore\": \"FAILED\"").And.Contain("\"addressChanged\": true"));
        Assert.That(audit.Details, Does.Not.Contain("runners.test"), "the audit row names the message, not the address");
    }

    [Test]
    public async Task A_message_being_sent_right_now_is_not_reset()
    {
        long emailId;
        await using (var connection = await OpenAsync())
        {
            var runner = await TestData.ParticipantAsync(connection, categoryId, "PENDING");
            emailId = await TestData.EmailAsync(connection, runner, EmailKind.RegistrationReceived, "FAILED");
            await connection.ExecuteAsync("UPDATE email_logs SET claimed_until = now() + interval '1 minute', attempts = 3 WHERE id = @emailId", new { emailId });
        }
        using var alice = await SignedInAsync();

        var resend = await alice.PostAsync($"/admin/emails?handler=Resend&id={emailId}", new Dictionary<string, string>());

        Assert.That(AdminSession.RedirectPath(resend), Is.EqualTo("/admin/emails"));
        Assert.That(await (await alice.GetAsync("/admin/emails")).Content.ReadAsStringAsync(), Does.Contain($"Message {emailId} is being sent right now"));
        await using var check = await OpenAsync();
        Assert.That(await check.QuerySingleAsync<(string, int)>("SELECT status, attempts FROM email_logs WHERE id = @emailId", new { emailId }), Is.EqualTo(("FAILED", 3)));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'email.resent'"), Is.Zero);
    }

    [Test]
    public async Task Resending_an_unknown_message_is_a_404()
    {
        using var alice = await SignedInAsync();

        var resend = await alice.PostAsync("/admin/emails?handler=Resend&id=999999", new Dictionary<string, string>());

        Assert.That(resend.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Resend_all_failed_does_what_the_command_does_and_writes_an_audit_row()
    {
        long paidFailed;
        long pendingFailed;
        await using (var connection = await OpenAsync())
        {
            var paid = await TestData.ParticipantAsync(connection, categoryId, "PAID");
            paidFailed = await TestData.EmailAsync(connection, paid, EmailKind.PaymentConfirmed, "FAILED");
            var pending = await TestData.ParticipantAsync(connection, categoryId, "PENDING");
            pendingFailed = await TestData.EmailAsync(connection, pending, EmailKind.RegistrationReceived, "FAILED");
        }
        using var alice = await SignedInAsync();

        var resend = await alice.PostAsync("/admin/emails?handler=ResendFailed", new Dictionary<string, string>());

        Assert.That(AdminSession.RedirectPath(resend), Is.EqualTo("/admin/emails"));
        Assert.That(await (await alice.GetAsync("/admin/emails")).Content.ReadAsStringAsync(),
            Does.Contain("Queued 1 failed message(s) again and 0 new payment confirmation(s) for 1 participant(s)."));
        var message = (await smtp.WaitForAsync(1)).Single();
        await using var check = await OpenAsync();
        Assert.That(message.MessageId, Is.EqualTo(await check.ExecuteScalarAsync<string>("SELECT message_id FROM email_logs WHERE id = @paidFailed", new { paidFailed })));
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT status FROM email_logs WHERE id = @pendingFailed", new { pendingFailed }), Is.EqualTo("FAILED"),
            "an unpaid runner's message is left to the worker's retries");
        var audit = await check.QuerySingleAsync<string>("SELECT details::text FROM audit_log WHERE action = 'email.resent_failed'");
        Assert.That(audit, Does.Contain("\"requeued\": 1").And.Contain("\"newConfirmations\": 0"));
    }

    [Test]
    public async Task The_preview_in_indonesian_shows_every_message_as_a_runner_who_reads_indonesian_gets_it()
    {
        using var alice = await SignedInAsync();

        var preview = await PageAsync(alice, "/admin/emails/preview?language=id");

        foreach (var kind in EmailKind.All)
        {
            var section = preview.GetElementById(kind)!;
            Assert.That(section.QuerySelector("pre")!.TextContent, Does.Contain("Halo Maria Tangdilintin,"), kind);
            var html = await (await alice.GetAsync(section.QuerySelector("a")!.GetAttribute("href")!)).Content.ReadAsStringAsync();
            Assert.That(html, Does.Contain("<html lang=\"id\">").And.Contain("Halo Maria Tangdilintin,"), kind);
        }
    }

    [Test]
    public async Task The_preview_renders_every_template_and_serves_its_html_sandboxed()
    {
        using var alice = await SignedInAsync();

        var preview = await PageAsync(alice, "/admin/emails/preview");

        foreach (var kind in EmailKind.All)
        {
            var section = preview.GetElementById(kind);
            Assert.That(section, Is.Not.Null, kind);
            Assert.That(section!.QuerySelector("pre")!.TextContent, Does.Contain("Maria Tangdilintin").And.Contain("Tau-Tau Run").And.Contain("Hello"), kind);
            var html = await alice.GetAsync(section.QuerySelector("a")!.GetAttribute("href")!);
            Assert.That(html.StatusCode, Is.EqualTo(HttpStatusCode.OK), kind);
            Assert.That(html.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
            Assert.That(html.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("sandbox").And.Contain("script-src 'self'"), kind);
            Assert.That(await html.Content.ReadAsStringAsync(), Does.Contain("Maria Tangdilintin").And.Not.Contain("<script"), kind);
        }
        Assert.That((await alice.GetAsync("/admin/emails/preview/NO_SUCH_KIND")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await alice.GetAsync("/admin/emails/preview?language=fr")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await alice.GetAsync("/admin/emails")).Headers.GetValues("Content-Security-Policy").Single(), Does.Not.Contain("sandbox"),
            "only the email's own document is sandboxed");
    }

    [Test]
    public async Task A_volunteer_cannot_open_the_email_pages_or_resend()
    {
        long emailId;
        await using (var connection = await OpenAsync())
        {
            var runner = await TestData.ParticipantAsync(connection, categoryId, "PAID");
            emailId = await TestData.EmailAsync(connection, runner, EmailKind.PaymentConfirmed, "FAILED");
        }
        await AdminSession.CreateAdminAsync("vera", Password, role: "volunteer");
        using var vera = new AdminSession(app);
        await vera.LogInOrFailAsync("vera", Password);

        var resend = await vera.PostAsync($"/admin/emails?handler=Resend&id={emailId}", new Dictionary<string, string>(), tokenFrom: "/admin/password");
        var resendAll = await vera.PostAsync("/admin/emails?handler=ResendFailed", new Dictionary<string, string>(), tokenFrom: "/admin/password");

        Assert.That(AdminSession.RedirectPath(await vera.GetAsync("/admin/emails")), Does.StartWith("/admin/denied"));
        Assert.That(AdminSession.RedirectPath(await vera.GetAsync("/admin/emails/preview")), Does.StartWith("/admin/denied"));
        Assert.That(AdminSession.RedirectPath(resend), Does.StartWith("/admin/denied"));
        Assert.That(AdminSession.RedirectPath(resendAll), Does.StartWith("/admin/denied"));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT status FROM email_logs WHERE id = @emailId", new { emailId }), Is.EqualTo("FAILED"));
    }

    private async Task<AdminSession> SignedInAsync()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        var session = new AdminSession(app);
        await session.LogInOrFailAsync("alice", Password);
        return session;
    }

    private static async Task<IHtmlDocument> PageAsync(AdminSession session, string path)
    {
        var response = await session.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
    }

    private static async Task<List<long>> IdsAsync(AdminSession session, string path) => Ids(await PageAsync(session, path));

    private static List<long> Ids(IHtmlDocument page) =>
        page.QuerySelectorAll("table.emails tbody tr td:first-child").Select(cell => long.Parse(cell.TextContent)).ToList();
}
