using Dapper;
using MimeKit;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Email;

/// <summary>
/// A runner's language, stored with the registration, writes every later email to them: those an admin's
/// action sends and those the jobs send, delivered to a real SMTP server.
/// </summary>
public sealed class RunnerLanguageTests : DatabaseTest
{
    private TestSmtpServer smtp = null!;
    private TestApp app = null!;
    private long race;

    [SetUp]
    public async Task StartAsync()
    {
        smtp = new TestSmtpServer();
        smtp.Start();
        var settings = smtp.AppSettings;
        settings["Email:PollInterval"] = "00:00:00.100";
        app = new TestApp(settings: settings);
        _ = app.Services; // starts the delivery worker
        await using var connection = await OpenAsync();
        race = await TestData.CategoryAsync(connection);
    }

    [TearDown]
    public async Task StopAsync()
    {
        await app.DisposeAsync();
        await smtp.DisposeAsync();
    }

    private async Task<long> RunnerAsync(string language, int pendingForDays = 0)
    {
        await using var connection = await OpenAsync();
        var id = await TestData.ParticipantAsync(connection, race);
        await connection.ExecuteAsync("""
            UPDATE participants SET language = @language, email_confirmed_at = now(), status_changed_at = now() - make_interval(days => @pendingForDays)
            WHERE id = @id
            """, new { id, language, pendingForDays });
        return id;
    }

    /// <summary>The messages to <paramref name="runner"/>, once <paramref name="expected"/> messages in all have arrived.</summary>
    private async Task<MimeMessage[]> DeliveredToAsync(long runner, int expected)
    {
        await using var connection = await OpenAsync();
        var address = await connection.ExecuteScalarAsync<string>("SELECT email FROM participants WHERE id = @runner", new { runner });
        return (await smtp.WaitForAsync(expected)).Where(m => m.To.Mailboxes.Single().Address == address).ToArray();
    }

    [Test]
    public async Task A_payment_an_admin_records_is_confirmed_to_each_runner_in_their_own_language()
    {
        var indonesian = await RunnerAsync("id");
        var english = await RunnerAsync("en");
        var payments = app.Services.GetRequiredService<AdminChanges>();

        foreach (var runner in new[] { indonesian, english })
            Assert.That((await payments.MarkPaidAsync(runner, new AdminChanges.Payment(2500, "CASH", null, DateOnly.FromDateTime(DateTime.UtcNow)),
                new AuditActor(null, "admin", null))).Done, Is.True);

        var toIndonesian = (await DeliveredToAsync(indonesian, 2)).Single();
        Assert.That(toIndonesian.Subject, Does.StartWith("Pembayaran diterima – nomor BIB Anda"));
        Assert.That(toIndonesian.TextBody, Does.Contain("Pembayaran Anda sudah kami terima").And.Contain("Sampai jumpa di garis start!"));
        Assert.That(toIndonesian.HtmlBody, Does.Contain("<html lang=\"id\">"));
        var toEnglish = (await DeliveredToAsync(english, 2)).Single();
        Assert.That(toEnglish.Subject, Does.StartWith("Payment confirmed – your bib is"));
        Assert.That(toEnglish.TextBody, Does.Contain("your payment has arrived"));
    }

    [Test]
    public async Task The_reminder_and_the_expiry_jobs_write_to_each_runner_in_their_own_language()
    {
        var store = app.Services.GetRequiredService<EventSettingsStore>();
        await store.LoadAsync();
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync("UPDATE event_settings SET payment_deadline_days = 7, payment_reminder_days = 2");
        store.Forget();
        var indonesian = await RunnerAsync("id", pendingForDays: 6);
        var english = await RunnerAsync("en", pendingForDays: 6);

        Assert.That(await app.Services.GetRequiredService<PaymentReminders>().RunOnceAsync(), Is.EqualTo(2));
        await connection.ExecuteAsync("UPDATE participants SET status_changed_at = now() - interval '8 days'");
        Assert.That((await app.Services.GetRequiredService<PaymentExpiry>().RunOnceAsync()).Expired, Is.EqualTo(2));

        var subjects = (await connection.QueryAsync<(long, string)>("SELECT participant_id, subject FROM email_logs ORDER BY id"))
            .ToLookup(row => row.Item1, row => row.Item2);
        Assert.That(subjects[indonesian], Has.Exactly(1).StartsWith("Pengingat pembayaran untuk TTR-")
            .And.Exactly(1).StartsWith("Pendaftaran kedaluwarsa: TTR-"));
        Assert.That(subjects[english], Has.Exactly(1).StartsWith("Reminder: payment for TTR-")
            .And.Exactly(1).StartsWith("Registration expired: TTR-"));
        var expired = (await DeliveredToAsync(indonesian, 4)).Single(m => m.Subject!.StartsWith("Pendaftaran kedaluwarsa", StringComparison.Ordinal));
        Assert.That(expired.TextBody, Does.Contain("Kami tidak menerima pembayaran untuk pendaftaran"));
    }
}
