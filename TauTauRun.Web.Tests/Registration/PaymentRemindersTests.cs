using Dapper;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Registration;

/// <summary>Payment reminders against the database: once, only to pending runners near their deadline, off when set to 0.</summary>
public sealed class PaymentRemindersTests : DatabaseTest
{
    private TestApp app = null!;

    [SetUp]
    public void Start() => app = new TestApp();

    [TearDown]
    public void Stop() => app.Dispose();

    /// <summary>Deadline 7 days, reminders <paramref name="days"/> before it.</summary>
    private async Task RemindAsync(int days)
    {
        var store = app.Services.GetRequiredService<EventSettingsStore>();
        await store.LoadAsync();
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync("UPDATE event_settings SET payment_deadline_days = 7, payment_reminder_days = @days", new { days });
        store.Forget();
    }

    private static async Task<long> RunnerAsync(long race, string status, int daysAgo)
    {
        await using var connection = await OpenAsync();
        var id = await TestData.ParticipantAsync(connection, race, status);
        await connection.ExecuteAsync("UPDATE participants SET status_changed_at = now() - make_interval(days => @daysAgo) WHERE id = @id",
            new { daysAgo, id });
        return id;
    }

    private static async Task<long[]> RemindedAsync()
    {
        await using var connection = await OpenAsync();
        return (await connection.QueryAsync<long>("SELECT participant_id FROM email_logs WHERE kind = 'PAYMENT_REMINDER' ORDER BY participant_id")).ToArray();
    }

    [Test]
    public async Task A_pending_runner_near_the_deadline_is_reminded_once_and_nobody_else_is()
    {
        await RemindAsync(days: 2);
        await using var connection = await OpenAsync();
        var race = await TestData.CategoryAsync(connection);
        var due = await RunnerAsync(race, "PENDING", daysAgo: 6);
        await RunnerAsync(race, "PENDING", daysAgo: 1);
        foreach (var status in new[] { "PAID", "CANCELLED", "WAITLISTED", "EXPIRED", "REFUNDED" })
            await RunnerAsync(race, status, daysAgo: 6);
        var reminders = app.Services.GetRequiredService<PaymentReminders>();

        // Two instances at once, then later rounds: one reminder in all.
        var first = await Task.WhenAll(Task.Run(() => reminders.RunOnceAsync()), Task.Run(() => reminders.RunOnceAsync()));
        Assert.That(first.Sum(n => n ?? 0), Is.EqualTo(1));
        Assert.That(await reminders.RunOnceAsync(), Is.Zero);
        Assert.That(await RemindedAsync(), Is.EqualTo(new[] { due }));
        var (subject, text) = await connection.QuerySingleAsync<(string, string)>("SELECT subject, text_body FROM email_logs WHERE kind = 'PAYMENT_REMINDER'");
        Assert.That(subject, Does.StartWith("Reminder: payment for TTR-"));
        Assert.That(text, Does.Contain("please pay by bank transfer"));
    }

    [Test]
    public async Task Reminders_set_to_zero_are_off()
    {
        await RemindAsync(days: 0);
        await using var connection = await OpenAsync();
        await RunnerAsync(await TestData.CategoryAsync(connection), "PENDING", daysAgo: 6);

        Assert.That(await app.Services.GetRequiredService<PaymentReminders>().RunOnceAsync(), Is.Null);
        Assert.That(await RemindedAsync(), Is.Empty);
    }
}
