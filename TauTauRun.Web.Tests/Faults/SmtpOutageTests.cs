using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>The mail server away while runners register: the registrations go on, the mail waits and then arrives.</summary>
[Category("Faults")]
public sealed class SmtpOutageTests : DatabaseTest
{
    private static readonly TimeSpan RetryBase = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryCap = TimeSpan.FromSeconds(4);

    [Test]
    public async Task Registrations_go_on_while_smtp_is_down_and_every_email_arrives_exactly_once_when_it_returns()
    {
        long category;
        await using (var connection = await OpenAsync())
            category = await TestData.CategoryAsync(connection, capacity: 20);
        await using var smtp = new TestSmtpServer();
        smtp.Start();
        await using var app = await AppProcess.StartAsync(Settings(smtp));
        var load = new RegistrationLoad(app.NewClient, [category]);
        await load.RunUntilAcknowledgedAsync(runners: 1, count: 1);
        // All delivered first: a message cut off between the server's acceptance and the app's record
        // of it would rightly come again, and this test counts arrivals.
        Assert.That(await DeliveryInvariants.AfterDrainingAsync(smtp, TimeSpan.FromSeconds(60)), Is.Empty, "mail flows before the outage");
        await smtp.StopAsync();
        var sentBefore = smtp.Messages.Count;
        await load.RunUntilAcknowledgedAsync(runners: 4, count: load.Acknowledged.Count + 30);
        var failedOnce = await UntilEveryUnsentEmailFailedAsync(TimeSpan.FromSeconds(60));

        Assert.That(load.Surprises, Is.Empty);
        Assert.That(load.Answers.Keys.Where(code => code >= 500), Is.Empty, "no runner saw an error for the mail server's outage");
        Assert.That(await RegistrationInvariants.ViolationsAsync(TestDatabase.ConnectionString, load.Acknowledged.ToList()), Is.Empty);
        Assert.That(failedOnce, Is.True, "every email queued during the outage has been tried, failed and given a later retry");
        Assert.That(smtp.Messages, Has.Count.EqualTo(sentBefore), "nothing can arrive while the server is away");

        smtp.Start();
        var violations = await DeliveryInvariants.AfterDrainingAsync(smtp, TimeSpan.FromSeconds(60));
        TestContext.Out.WriteLine($"{load.Acknowledged.Count} acknowledged, {smtp.Messages.Count} emails delivered, answers {string.Join(", ", load.Answers.Select(a => $"{a.Key}: {a.Value}"))}");
        Assert.That(violations, Is.Empty);
        Assert.That(smtp.Messages, Has.Count.GreaterThan(30));
    }

    [Test]
    public async Task While_smtp_is_down_an_email_is_retried_later_each_time_up_to_the_cap()
    {
        long category;
        await using (var connection = await OpenAsync())
            category = await TestData.CategoryAsync(connection);
        await using var smtp = new TestSmtpServer(); // never started: its port refuses connections
        await using var app = await AppProcess.StartAsync(Settings(smtp));
        var load = new RegistrationLoad(app.NewClient, [category]);
        await load.RunUntilAcknowledgedAsync(runners: 1, count: 1);

        var delays = await RetryDelaysAsync(load.Acknowledged.First(), upToAttempt: 4, TimeSpan.FromSeconds(60));

        TestContext.Out.WriteLine(string.Join(", ", delays.Select(d => $"attempt {d.Key}: {d.Value.TotalSeconds:F2} s")));
        Assert.That(delays.Keys, Has.Count.GreaterThanOrEqualTo(3), "the watch must see most attempts to judge their delays");
        foreach (var (attempt, delay) in delays)
        {
            // RetryBase × 2^(attempt-1), capped, ±20% jitter: 1, 2, 4, 4 s here.
            var planned = Math.Min(RetryBase.TotalSeconds * Math.Pow(2, attempt - 1), RetryCap.TotalSeconds);
            Assert.That(delay.TotalSeconds, Is.InRange(planned * 0.8 - 0.01, planned * 1.2 + 0.01), $"attempt {attempt}");
        }
        var uncapped = delays.Where(d => d.Key <= 3).Select(d => d.Value).ToList();
        Assert.That(uncapped, Is.Ordered.Ascending.And.Unique, "each retry waits longer than the one before, until the cap");
    }

    private static Dictionary<string, string> Settings(TestSmtpServer smtp) =>
        smtp.ProcessSettings(("Email__RetryBase", RetryBase.ToString()), ("Email__RetryCap", RetryCap.ToString()));

    /// <summary>
    /// Polls until no email is SENT-less without having failed at least once and been given a later
    /// retry; false if that did not happen before the deadline.
    /// </summary>
    private static async Task<bool> UntilEveryUnsentEmailFailedAsync(TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        await using var connection = await OpenAsync();
        while (DateTime.UtcNow < deadline)
        {
            if (!await connection.ExecuteScalarAsync<bool>("""
                    SELECT EXISTS (SELECT 1 FROM email_logs
                                   WHERE status <> 'SENT'
                                     AND NOT (status = 'FAILED' AND attempts > 0 AND next_attempt_at > last_attempt_at AND last_error IS NOT NULL))
                    """))
                return true;
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>
    /// Watches the runner's email until its <paramref name="upToAttempt"/>th attempt has failed, noting
    /// after each failed attempt how long the worker chose to wait before the next one.
    /// </summary>
    private static async Task<SortedDictionary<int, TimeSpan>> RetryDelaysAsync(string recipient, int upToAttempt, TimeSpan patience)
    {
        var delays = new SortedDictionary<int, TimeSpan>();
        var deadline = DateTime.UtcNow + patience;
        await using var connection = await OpenAsync();
        while (!delays.ContainsKey(upToAttempt) && DateTime.UtcNow < deadline)
        {
            // Between a claim and its outcome the row shows the new attempt with the old schedule: skip those.
            var settled = await connection.QuerySingleOrDefaultAsync<FailedAttempt>("""
                SELECT attempts AS Attempts, next_attempt_at - last_attempt_at AS Delay FROM email_logs
                WHERE recipient = @recipient AND status = 'FAILED' AND claimed_until IS NULL
                """, new { recipient });
            if (settled is not null)
                delays[settled.Attempts] = settled.Delay;
            await Task.Delay(50);
        }
        Assert.That(delays, Does.ContainKey(upToAttempt), $"attempt {upToAttempt} did not fail within {patience}");
        return delays;
    }

    private sealed record FailedAttempt(int Attempts, TimeSpan Delay);
}
