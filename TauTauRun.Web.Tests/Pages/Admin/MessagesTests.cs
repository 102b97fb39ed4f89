using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Dapper;
using MimeKit;
using TauTauRun.Web.Email;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

/// <summary>Messages to a group of runners from /admin/messages, delivered through the outbox to a real SMTP server.</summary>
public sealed class MessagesTests : DatabaseTest
{
    private const string Page = "/admin/messages";
    private TestSmtpServer smtp = null!;
    private TestApp app = null!;
    private AdminSession alice = null!;
    private long tenK;
    private long fiveK;

    [SetUp]
    public async Task StartAsync()
    {
        smtp = new TestSmtpServer();
        smtp.Start();
        app = new TestApp(settings: Settings());
        alice = await AdminSession.SignedInAsync(app, "alice");
        await using var connection = await OpenAsync();
        tenK = await TestData.CategoryAsync(connection, "10K", bibLast: 4999);
        fiveK = await TestData.CategoryAsync(connection, "5K", bibFirst: 5000);
    }

    [TearDown]
    public async Task StopAsync()
    {
        alice.Dispose();
        await app.DisposeAsync();
        await smtp.DisposeAsync();
    }

    /// <summary>The app's settings against this test's SMTP server, delivering every 100 ms, by default with no pacing to speak of.</summary>
    private Dictionary<string, string?> Settings(int perMinute = 60000, string poll = "00:00:00.100")
    {
        var settings = smtp.AppSettings;
        settings["Email:PollInterval"] = poll;
        settings["Email:RetryBase"] = "00:00:00.500";
        settings["Email:GroupMessagesPerMinute"] = perMinute.ToString();
        return settings;
    }

    [Test]
    public async Task A_group_message_is_delivered_once_to_exactly_the_runners_the_filters_choose()
    {
        await using var connection = await OpenAsync();
        var chosen = new[] { await TestData.ParticipantAsync(connection, tenK, "PENDING"), await TestData.ParticipantAsync(connection, tenK, "PAID") };
        var collected = await TestData.ParticipantAsync(connection, tenK, "PAID");
        await connection.ExecuteAsync("UPDATE participants SET bib_collected_at = now(), bib_collected_by = 'table 1' WHERE id = @collected", new { collected });
        await TestData.ParticipantAsync(connection, tenK, "CANCELLED");
        await TestData.ParticipantAsync(connection, fiveK, "PAID");
        var filters = new Dictionary<string, string> { ["Form.CategoryId"] = tenK.ToString(), ["Form.NotCollected"] = "true" };

        var preview = await PreviewAsync(filters);
        await SendAsync(filters);

        Assert.That(preview.QuerySelector("#recipients")?.TextContent, Is.EqualTo("2"));
        var received = await DeliveredAsync(2);
        var queued = await connection.QueryAsync<(string Recipient, string MessageId)>("""
            SELECT p.email, e.message_id FROM email_logs e JOIN participants p ON p.id = e.participant_id
            WHERE p.id = ANY(@chosen) AND e.group_message_id IS NOT NULL
            """, new { chosen });
        Assert.That(received.Select(m => (m.To.Mailboxes.Single().Address, m.MessageId)), Is.EquivalentTo(queued));
        Assert.That(await connection.QueryAsync<string>("SELECT action FROM audit_log WHERE action LIKE 'group_message.%'"),
            Is.EqualTo(new[] { "group_message.sent" }));
        var outboxPage = await (await alice.GetAsync("/admin/emails")).Content.ReadAsStringAsync();
        Assert.That(Regex.Matches(outboxPage, "<td>GROUP_MESSAGE</td>"), Has.Count.EqualTo(2), "the outbox names the copies");
    }

    [Test]
    public async Task A_message_for_one_language_reaches_its_readers_only_as_typed_with_the_placeholders_in_their_language()
    {
        await using var connection = await OpenAsync();
        var indonesian = await TestData.ParticipantAsync(connection, tenK, "PENDING");
        await TestData.ParticipantAsync(connection, tenK, "PENDING");
        await connection.ExecuteAsync("UPDATE participants SET language = 'id' WHERE id = @indonesian", new { indonesian });
        var filters = new Dictionary<string, string> { ["Form.Language"] = "id" };

        await SendAsync(filters, body: "Halo {name}, nomor BIB: {bib}.");

        var message = (await DeliveredAsync(1)).Single();
        Assert.That(Recipient(message), Is.EqualTo(await EmailOfAsync(connection, indonesian)));
        Assert.That(message.TextBody, Does.Contain("nomor BIB: menyusul."), "typed in Indonesian, the bib not yet assigned said in Indonesian");
    }

    [Test]
    public async Task A_second_click_or_a_resent_form_sends_the_message_once()
    {
        await using var connection = await OpenAsync();
        await TestData.ParticipantAsync(connection, tenK, "PAID");
        await TestData.ParticipantAsync(connection, fiveK, "PAID");
        var key = await FormKeyAsync();

        var first = await SendAsync([], key);
        var second = await SendAsync([], key);

        Assert.That(AdminSession.RedirectPath(first), Is.EqualTo(Page));
        Assert.That(AdminSession.RedirectPath(second), Is.EqualTo(Page));
        var page = await alice.GetAsync(Page);
        Assert.That(WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()), Does.Contain("already sent"));
        await DeliveredAsync(2);
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM group_messages"), Is.EqualTo(1));
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM email_logs"), Is.EqualTo(2));
    }

    [Test]
    public async Task The_copies_are_due_one_after_another_at_the_set_pace_and_after_an_earlier_runs()
    {
        await RestartAsync(perMinute: 30, "dave", poll: "01:00:00"); // 2 s apart; nothing delivered meanwhile
        await using var connection = await OpenAsync();
        for (var i = 0; i < 3; i++)
            await TestData.ParticipantAsync(connection, tenK, "PAID");

        await SendAsync([]);
        await SendAsync([]);

        var due = (await connection.QueryAsync<DateTime>("SELECT next_attempt_at FROM email_logs ORDER BY group_message_id, participant_id")).ToList();
        Assert.That(due, Has.Count.EqualTo(6));
        Assert.That(due.Zip(due.Skip(1), (a, b) => b - a), Is.All.EqualTo(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public async Task A_runner_cancelled_after_the_message_was_queued_is_skipped()
    {
        await RestartAsync(perMinute: 6, "bob"); // a copy every 10 s: the second waits while its runner cancels
        await using var connection = await OpenAsync();
        var staying = await TestData.ParticipantAsync(connection, tenK, "PAID");
        var leaving = await TestData.ParticipantAsync(connection, tenK, "PAID");

        await SendAsync([]);
        await smtp.WaitForAsync(1);
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.That(await app.Services.GetRequiredService<Cancellation>().CancelAsync(transaction, leaving), Is.True);
            await transaction.CommitAsync();
        }
        await connection.ExecuteAsync("UPDATE email_logs SET next_attempt_at = now() WHERE participant_id = @leaving", new { leaving });

        var status = await PollAsync(() => connection.ExecuteScalarAsync<string>(
            "SELECT status FROM email_logs WHERE participant_id = @leaving AND group_message_id IS NOT NULL", new { leaving }), "SKIPPED");
        Assert.That(status, Is.EqualTo("SKIPPED"));
        await smtp.WaitForAsync(2); // the cancellation's own email
        Assert.That(smtp.Messages.Where(m => m.Subject == "Race day").Select(Recipient),
            Is.EqualTo(new[] { await EmailOfAsync(connection, staying) }));
    }

    [Test]
    public async Task A_message_to_nobody_is_refused_with_a_clear_message_and_nothing_is_queued()
    {
        await using var connection = await OpenAsync();
        await TestData.ParticipantAsync(connection, tenK, "PAID");
        var nobody = new Dictionary<string, string> { ["Form.CategoryId"] = fiveK.ToString() };

        var preview = await alice.PostAsync($"{Page}?handler=Preview", Form(nobody, await FormKeyAsync()));
        var send = await alice.PostAsync($"{Page}?handler=Send", Form(nobody, await FormKeyAsync()));

        foreach (var response in new[] { preview, send })
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            var errors = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()).QuerySelector(".errors")!.TextContent;
            Assert.That(errors, Does.Contain("No runner matches these filters: nothing was sent."));
        }
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM group_messages"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM email_logs"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE action LIKE 'group_message.%'"), Is.Zero);
    }

    [Test]
    public async Task Script_typed_into_a_group_message_arrives_escaped()
    {
        await using var connection = await OpenAsync();
        var runner = await TestData.ParticipantAsync(connection, tenK, "PAID");
        var reference = await connection.ExecuteScalarAsync<string>("SELECT reference FROM participants WHERE id = @runner", new { runner });

        await SendAsync([], body: "<script>alert('x')</script> Hello <b>{name}</b>\n\n<img src=x onerror=alert(2)>");

        var message = (await DeliveredAsync(1)).Single();
        var html = new HtmlParser().ParseDocument(message.HtmlBody!);
        Assert.That(html.QuerySelector("script"), Is.Null);
        Assert.That(html.QuerySelector("b"), Is.Null);
        Assert.That(html.QuerySelector("img"), Is.Null);
        Assert.That(html.Body!.TextContent, Does.Contain($"<script>alert('x')</script> Hello <b>Runner {reference}</b>"), "shown as typed");
    }

    [Test]
    public async Task Every_runner_gets_the_message_exactly_once_when_the_send_is_interrupted_by_a_restart()
    {
        await RestartAsync(perMinute: 300, "carol"); // one copy every 200 ms: 20 take 4 s
        await using var connection = await OpenAsync();
        var runners = new List<long>();
        for (var i = 0; i < 20; i++)
            runners.Add(await TestData.ParticipantAsync(connection, i % 2 == 0 ? tenK : fiveK, "PAID"));

        await SendAsync([]);
        await smtp.WaitForAsync(3);
        await app.DisposeAsync();
        var beforeRestart = smtp.Messages.Count;
        app = new TestApp(settings: Settings(perMinute: 300));
        _ = app.Services; // the new instance's worker takes over
        var received = await DeliveredAsync(20);

        Assert.That(beforeRestart, Is.InRange(3, 19), "the restart came in the middle of the send");
        var expected = await connection.QueryAsync<(string, string)>(
            "SELECT recipient, message_id FROM email_logs WHERE group_message_id IS NOT NULL");
        Assert.That(received.Select(m => (Recipient(m), m.MessageId)), Is.EquivalentTo(expected));
        Assert.That(expected.Select(e => e.Item1), Is.EquivalentTo(await connection.QueryAsync<string>(
            "SELECT email FROM participants WHERE id = ANY(@runners)", new { runners = runners.ToArray() })));
    }

    [Test]
    public async Task While_SMTP_is_down_the_message_waits_and_then_reaches_every_runner_once()
    {
        await using var connection = await OpenAsync();
        for (var i = 0; i < 5; i++)
            await TestData.ParticipantAsync(connection, tenK, "PAID");
        await smtp.StopAsync();

        await SendAsync([]);
        var failed = await PollAsync(() => connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM email_logs WHERE status = 'FAILED' AND next_attempt_at IS NOT NULL"), 5);
        smtp.Start();
        var received = await DeliveredAsync(5);

        Assert.That(failed, Is.EqualTo(5), "every copy failed once and waits for its retry");
        Assert.That(received.Select(m => (Recipient(m), m.MessageId)), Is.EquivalentTo(
            await connection.QueryAsync<(string, string)>("SELECT recipient, message_id FROM email_logs")));
    }

    [Test]
    public async Task Only_admins_see_the_messages_page_and_its_link_volunteers_do_not()
    {
        using var vera = await AdminSession.SignedInAsync(app, "vera", role: "volunteer");

        var refused = await vera.GetAsync(Page);

        Assert.That(AdminSession.RedirectPath(refused), Does.StartWith("/admin/denied"));
        Assert.That(await NavigationLinksAsync(vera), Does.Not.Contain(Page));
        Assert.That(await NavigationLinksAsync(alice), Does.Contain(Page));
    }

    private static async Task<IEnumerable<string?>> NavigationLinksAsync(AdminSession session) =>
        new HtmlParser().ParseDocument(await (await session.GetAsync("/admin")).Content.ReadAsStringAsync())
            .QuerySelectorAll("nav[aria-label=Admin] a").Select(a => a.GetAttribute("href"));

    /// <summary>This test's app again with another pace, and an admin signed in to it.</summary>
    private async Task RestartAsync(int perMinute, string admin, string poll = "00:00:00.100")
    {
        alice.Dispose();
        await app.DisposeAsync();
        app = new TestApp(settings: Settings(perMinute, poll));
        alice = await AdminSession.SignedInAsync(app, admin);
    }

    /// <summary>Waits until no group message waits any more, then returns what the server got (failing unless it is <paramref name="count"/>).</summary>
    private async Task<IReadOnlyList<MimeMessage>> DeliveredAsync(int count)
    {
        await using var connection = await OpenAsync();
        await PollAsync(() => connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM email_logs WHERE group_message_id IS NOT NULL AND status NOT IN ('SENT', 'SKIPPED')"), 0);
        var received = (await smtp.WaitForAsync(count)).Where(m => m.Subject == "Race day").ToList();
        Assert.That(received, Has.Count.EqualTo(count));
        return received;
    }

    private static async Task<T> PollAsync<T>(Func<Task<T>> read, T wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var value = await read();
        while (!Equals(value, wanted) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            value = await read();
        }
        return value;
    }

    private static string Recipient(MimeMessage message) => message.To.Mailboxes.Single().Address;

    private static Task<string> EmailOfAsync(Npgsql.NpgsqlConnection connection, long id) =>
        connection.ExecuteScalarAsync<string>("SELECT email FROM participants WHERE id = @id", new { id })!;

    private async Task<AngleSharp.Html.Dom.IHtmlDocument> PreviewAsync(Dictionary<string, string> filters)
    {
        var response = await alice.PostAsync($"{Page}?handler=Preview", Form(filters, await FormKeyAsync()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> SendAsync(Dictionary<string, string> filters, string? key = null, string body = "Hello {name},\n\nyour bib: {bib}.")
    {
        var response = await alice.PostAsync($"{Page}?handler=Send", Form(filters, key ?? await FormKeyAsync(), body));
        Assert.That(AdminSession.RedirectPath(response), Is.EqualTo(Page), await response.Content.ReadAsStringAsync());
        return response;
    }

    /// <summary>The idempotency key of a freshly opened form.</summary>
    private async Task<string> FormKeyAsync()
    {
        var page = new HtmlParser().ParseDocument(await (await alice.GetAsync(Page)).Content.ReadAsStringAsync());
        return page.QuerySelector("input[name='Form.IdempotencyKey']")!.GetAttribute("value")!;
    }

    private static Dictionary<string, string> Form(Dictionary<string, string> filters, string key, string body = "Hello {name},\n\nyour bib: {bib}.") =>
        new(filters) { ["Form.IdempotencyKey"] = key, ["Form.Subject"] = "Race day", ["Form.Body"] = body };
}
