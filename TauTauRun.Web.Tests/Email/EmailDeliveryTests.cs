using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Email;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Email;

/// <summary>The outbox and its worker against a real SMTP server on 127.0.0.1.</summary>
public sealed partial class EmailDeliveryTests : DatabaseTest
{
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
        settings["Email:RetryBase"] = "00:00:00.500";
        settings["Email:RetryCap"] = "00:00:01";
        settings["Email:Lease"] = "00:00:03";
        app = new TestApp(settings: settings);
        _ = app.Services; // starts the host and with it the delivery worker
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
    public async Task A_queued_message_arrives_with_its_sender_recipient_subject_bodies_and_message_id()
    {
        var participant = await ParticipantAsync("PAID", "josé.núñez@runners.test");
        var emailId = await QueueAsync(participant, EmailKind.PaymentConfirmed);

        var message = (await smtp.WaitForAsync(1)).Single();

        var row = await RowAsync(emailId);
        Assert.That(message.From.Mailboxes.Single().Address, Is.EqualTo("noreply@tautaurun.test"));
        Assert.That(message.To.Mailboxes.Single().Address, Is.EqualTo("josé.núñez@runners.test"));
        Assert.That(message.Subject, Is.EqualTo(row.Subject).And.StartsWith("Payment confirmed"));
        Assert.That(message.MessageId, Is.EqualTo(row.MessageId));
        Assert.That(message.TextBody, Does.Contain("Bib number: 1"));
        Assert.That(message.HtmlBody, Does.Contain("<th align=\"left\">Bib number</th><td>1</td>"));
        Assert.That(await PollAsync(async () => (await RowAsync(emailId)).Status == "SENT"), Is.True);
    }

    [Test]
    public async Task With_smtp_down_the_change_commits_mail_fails_and_backs_off_then_arrives_once_smtp_is_back()
    {
        await smtp.StopAsync();
        var participants = new[] { await ParticipantAsync("PAID"), await ParticipantAsync("PAID") };
        var emailIds = new List<long>();
        foreach (var participant in participants)
            emailIds.Add(await QueueAsync(participant, EmailKind.PaymentConfirmed, change: "UPDATE participants SET internal_notes = 'changed' WHERE id = @participant"));

        Assert.That(await PollAsync(async () => (await Task.WhenAll(emailIds.Select(RowAsync))).All(r => r.Status == "FAILED")), Is.True);
        foreach (var row in await Task.WhenAll(emailIds.Select(RowAsync)))
        {
            Assert.That(row.LastError, Does.Contain("refused").IgnoreCase.Or.Contain("Socket").IgnoreCase);
            Assert.That(row.NextAttemptAt, Is.GreaterThan(row.LastAttemptAt!.Value), "a retry is scheduled later");
        }
        await using (var connection = await OpenAsync())
            Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM participants WHERE internal_notes = 'changed'"), Is.EqualTo(2));

        smtp.Start();
        await smtp.WaitForAsync(2);
        Assert.That(await PollAsync(async () => (await Task.WhenAll(emailIds.Select(RowAsync))).All(r => r.Status == "SENT")), Is.True);
        Assert.That(smtp.Messages.Select(m => m.MessageId).ToList(), Is.Unique.And.Count.EqualTo(2));
    }

    [Test]
    public async Task A_permanent_5xx_refusal_is_marked_failed_and_not_retried()
    {
        smtp.Refuse("nobody@runners.test");
        var refused = await QueueAsync(await ParticipantAsync("PAID", "nobody@runners.test"), EmailKind.PaymentConfirmed);
        Assert.That(await PollAsync(async () => (await RowAsync(refused)).Status == "FAILED"), Is.True);

        // A later message getting through shows the worker has gone round again since.
        await QueueAsync(await ParticipantAsync("PAID"), EmailKind.PaymentConfirmed);
        await smtp.WaitForAsync(1);

        var row = await RowAsync(refused);
        Assert.That(row.LastError, Does.StartWith("SMTP 5"));
        Assert.That(row.NextAttemptAt, Is.Null);
        Assert.That(row.Attempts, Is.EqualTo(1));
    }

    [Test]
    public async Task Two_workers_deliver_500_messages_each_exactly_once()
    {
        await using (var connection = await OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var outbox = app.Services.GetRequiredService<EmailOutbox>();
            for (var i = 0; i < 500; i++)
                await outbox.QueueAsync(transaction, await ParticipantAsync("PAID", connection: connection), EmailKind.PaymentConfirmed);
            await transaction.CommitAsync();
        }
        // The production lease: the fixture's 3 s lets a worker on a loaded machine lose a claim mid-batch,
        // and a message taken again after its lease goes out twice, as at-least-once delivery allows.
        var options = Options.Create(new EmailDeliveryOptions { Lease = TimeSpan.FromMinutes(2) });
        var workers = new[]
        {
            ActivatorUtilities.CreateInstance<EmailDelivery>(app.Services, options),
            ActivatorUtilities.CreateInstance<EmailDelivery>(app.Services, options),
        };

        await Task.WhenAll(workers.Select(async worker =>
        {
            while (await worker.DeliverDueAsync(CancellationToken.None) > 0)
            {
            }
        }));
        await smtp.WaitForAsync(500);

        Assert.That(smtp.Messages.Select(m => m.MessageId), Is.Unique);
        Assert.That(smtp.Messages, Has.Count.EqualTo(500));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<int>("SELECT count(*) FROM email_logs WHERE status = 'SENT'"), Is.EqualTo(500));
    }

    [Test]
    public async Task After_a_status_link_is_delivered_no_table_holds_its_token()
    {
        var email = "links@runners.test";
        await ParticipantAsync("PENDING", email);
        await app.Services.GetRequiredService<RunnerChanges>().SendNewLinksAsync(email, AuditActor.CommandLine);

        var token = StatusToken().Match((await smtp.WaitForAsync(1)).Single().TextBody ?? "").Groups[1].Value;
        using var client = app.CreateClient();
        Assert.That((await client.GetAsync($"/status/{token}")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the delivered link works");
        Assert.That(await PollAsync(async () => await SentCountAsync() == 1), Is.True);

        await using var connection = await OpenAsync();
        var tables = await connection.QueryAsync<string>(
            "SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
        foreach (var table in tables)
            Assert.That(await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table} t WHERE t::text LIKE '%' || @token || '%'", new { token }),
                Is.Zero, $"{table} holds the delivered token");
    }

    [Test]
    public async Task A_status_link_refused_for_good_forgets_its_token_and_a_resend_links_to_the_page_that_sends_a_new_one()
    {
        smtp.Refuse("refused@runners.test");
        await ParticipantAsync("PAID", "refused@runners.test");
        await app.Services.GetRequiredService<RunnerChanges>().SendNewLinksAsync("refused@runners.test", AuditActor.CommandLine);
        await using var connection = await OpenAsync();
        Assert.That(await PollAsync(async () => await connection.ExecuteScalarAsync<string>("SELECT status FROM email_logs") == "FAILED"), Is.True);
        Assert.That(await connection.ExecuteScalarAsync<string?>("SELECT status_token FROM email_logs"), Is.Null);

        smtp.Accept("refused@runners.test");
        await app.Services.GetRequiredService<FailedEmailResender>().ResendAsync(dryRun: false);

        // The paid runner also gets the payment confirmation they never had (it carries no link).
        var resent = (await smtp.WaitForAsync(2)).Single(m => m.TextBody?.Contains("/status/") == true);
        Assert.That(resent.TextBody, Does.Contain("/status/link").And.Not.Contain(OutboxMessage.StatusTokenPlaceholder));
    }

    private static async Task<long> SentCountAsync()
    {
        await using var connection = await OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs WHERE status = 'SENT'");
    }

    [GeneratedRegex(@"/status/([A-Za-z0-9_-]{43})")]
    private static partial Regex StatusToken();

    [Test]
    public async Task A_message_claimed_by_a_worker_that_died_is_delivered_after_its_lease()
    {
        var orphan = await QueueAsync(await ParticipantAsync("PAID"), EmailKind.PaymentConfirmed);
        await using (var connection = await OpenAsync())
            // What a worker's claim leaves behind when its process dies before sending.
            await connection.ExecuteAsync(
                "UPDATE email_logs SET claimed_until = now() + interval '2 seconds', attempts = attempts + 1 WHERE id = @orphan", new { orphan });
        await QueueAsync(await ParticipantAsync("PAID"), EmailKind.PaymentConfirmed);
        await smtp.WaitForAsync(1);
        Assert.That((await RowAsync(orphan)).Status, Is.EqualTo("QUEUED"), "not taken while the lease holds");

        Assert.That(await PollAsync(async () => (await RowAsync(orphan)).Status == "SENT"), Is.True);
        Assert.That(smtp.Messages, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_message_queued_in_a_transaction_that_rolls_back_is_never_sent()
    {
        var participant = await ParticipantAsync("PAID");
        await using (var connection = await OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await app.Services.GetRequiredService<EmailOutbox>().QueueAsync(transaction, participant, EmailKind.PaymentConfirmed);
            await transaction.RollbackAsync();
        }
        await QueueAsync(await ParticipantAsync("PAID"), EmailKind.PaymentConfirmed);

        await smtp.WaitForAsync(1);
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<int>("SELECT count(*) FROM email_logs WHERE participant_id = @participant", new { participant }), Is.Zero);
        Assert.That(smtp.Messages, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Health_reports_email_degraded_with_the_failed_count_while_smtp_is_down()
    {
        await smtp.StopAsync();
        var emailId = await QueueAsync(await ParticipantAsync("PAID"), EmailKind.PaymentConfirmed);
        Assert.That(await PollAsync(async () => (await RowAsync(emailId)).Status == "FAILED"), Is.True);

        using var client = app.CreateClient();
        var response = await client.GetAsync("/health");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "mail trouble must not take registration down");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var email = json.RootElement.GetProperty("checks").GetProperty("email");
        Assert.That(email.GetProperty("status").GetString(), Is.EqualTo("Degraded"));
        Assert.That(email.GetProperty("data").GetProperty("failed_messages").GetInt64(), Is.EqualTo(1));
    }

    private Task<long> ParticipantAsync(string status, string? email = null, NpgsqlConnection? connection = null) =>
        connection is null ? WithConnectionAsync(c => TestData.ParticipantAsync(c, categoryId, status, email)) : TestData.ParticipantAsync(connection, categoryId, status, email);

    private async Task<long> QueueAsync(long participant, string kind, string? change = null)
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (change is not null)
            await connection.ExecuteAsync(change, new { participant }, transaction);
        var id = await app.Services.GetRequiredService<EmailOutbox>().QueueAsync(transaction, participant, kind);
        await transaction.CommitAsync();
        return id;
    }

    private static async Task<T> WithConnectionAsync<T>(Func<NpgsqlConnection, Task<T>> action)
    {
        await using var connection = await OpenAsync();
        return await action(connection);
    }

    private static Task<EmailRow> RowAsync(long id) => WithConnectionAsync(c => c.QuerySingleAsync<EmailRow>(
        "SELECT status, subject, message_id, last_error, attempts, next_attempt_at, last_attempt_at FROM email_logs WHERE id = @id", new { id }));

    private static async Task<bool> PollAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return true;
            await Task.Delay(50);
        }
        return false;
    }

    private sealed record EmailRow(string Status, string Subject, string MessageId, string? LastError, int Attempts, DateTime? NextAttemptAt, DateTime? LastAttemptAt);
}
