using Dapper;
using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>deploy/smoke.sh against the published app: one line per check, non-zero on any failure.</summary>
public sealed class SmokeScriptTests : DatabaseTest
{
    [Test]
    public async Task Passes_against_a_healthy_site_and_reports_pages_not_there_yet_as_skipped()
    {
        using var app = FakeSystemd.Start();
        Assert.That(await app.ReceiveAsync(), Is.EqualTo("READY=1"));

        var smoke = await Shell.RunScriptAsync("deploy/smoke.sh", [$"http://127.0.0.1:{app.Port}"], new Dictionary<string, string>());

        Assert.That(smoke.ExitCode, Is.Zero, smoke.All);
        Assert.That(smoke.Output, Does.Contain("ok    health (/health)").And.Contain("ok    home page (/)"));
        Assert.That(smoke.Output, Does.Match(@"(ok    |skip  )registration page").And.Match(@"(ok    |skip  )admin login page"));
        Assert.That(smoke.Output, Does.Not.Contain("FAIL"));
    }

    [Test]
    public async Task With_admin_credentials_registers_pays_emails_and_refunds_a_test_runner()
    {
        long openRace;
        await using (var connection = await OpenAsync())
        {
            // Listed first (by name) but closed: the script must skip it.
            var closedRace = await TestData.CategoryAsync(connection, "5K", bibFirst: 1, bibLast: 999);
            await connection.ExecuteAsync("UPDATE race_categories SET is_open = false WHERE id = @closedRace", new { closedRace });
            openRace = await TestData.CategoryAsync(connection, "Half marathon", bibFirst: 1000, bibLast: 1999);
        }
        await CreateSmokeAdminAsync();
        var mail = NewFolder("mail");
        using var app = FakeSystemd.Start(new Dictionary<string, string> { ["TauTauRun__MailPickupDirectory"] = mail });
        Assert.That(await app.ReceiveAsync(), Is.EqualTo("READY=1"));

        var smoke = await RunSmokeAsync(app, SmokePassword);
        TestContext.Out.WriteLine(smoke.All);

        Assert.That(smoke.ExitCode, Is.Zero, smoke.All);
        var lines = smoke.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.All.StartWith("ok    "), smoke.All);
        foreach (var check in new[] { "health", "home page", "registration page", "admin login page", "admin login (", "test registration (TTR-",
                     "payment update (TTR-", "email (PAYMENT_CONFIRMED", "clean-up (TTR-" })
            Assert.That(lines, Has.Some.StartWith("ok    " + check), smoke.All);
        Assert.That(smoke.All, Does.Not.Contain(SmokePassword).And.Not.Contain(SmokeSecret));

        await using (var connection = await OpenAsync())
        {
            var runner = await connection.QuerySingleAsync<(long Id, string Reference, string Email, long CategoryId, string Status, long? AmountPaidMinor, int? Bib)>(
                "SELECT id, reference, email, category_id, payment_status, amount_paid_minor, bib FROM participants");
            Assert.That(smoke.Output, Does.Contain($"test registration ({runner.Reference}, {runner.Email}"));
            Assert.That(runner.Email, Does.Match(@"^smoke\+\d{14}-\d+@invalid\.example$"));
            Assert.That(runner.CategoryId, Is.EqualTo(openRace));
            Assert.That(runner.Status, Is.EqualTo("REFUNDED"));
            Assert.That(runner.AmountPaidMinor, Is.EqualTo(2500), "paid the amount due");
            Assert.That(runner.Bib, Is.Not.Null, "a bib was assigned");
            var paymentEmails = (await connection.QueryAsync<(string Status, string MessageId)>(
                "SELECT status, message_id FROM email_logs WHERE participant_id = @Id AND kind = 'PAYMENT_CONFIRMED'", new { runner.Id })).ToList();
            Assert.That(paymentEmails.Select(e => e.Status), Is.EqualTo(new[] { "SENT" }));
            Assert.That(File.Exists(Path.Combine(mail, paymentEmails[0].MessageId + ".eml")), Is.True, "written to the pickup folder");
            var freePlaces = await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM category_slots WHERE category_id = @openRace AND participant_id IS NULL", new { openRace });
            Assert.That(freePlaces, Is.EqualTo(100), "the refund freed the place");
            var actions = await connection.QueryAsync<string>("SELECT action FROM audit_log WHERE participant_id = @Id ORDER BY id", new { runner.Id });
            Assert.That(actions, Does.Contain("payment.refunded"));
        }
    }

    [Test]
    public async Task A_wrong_admin_password_fails_the_login_check_and_registers_nobody()
    {
        await using (var connection = await OpenAsync())
            await TestData.CategoryAsync(connection);
        await CreateSmokeAdminAsync();
        using var app = FakeSystemd.Start(new Dictionary<string, string> { ["TauTauRun__MailPickupDirectory"] = NewFolder("mail") });
        Assert.That(await app.ReceiveAsync(), Is.EqualTo("READY=1"));

        const string wrong = "not the password 123";
        var smoke = await RunSmokeAsync(app, wrong);
        TestContext.Out.WriteLine(smoke.All);

        Assert.That(smoke.ExitCode, Is.EqualTo(1), smoke.All);
        Assert.That(smoke.Output, Does.Contain("ok    health (/health)"));
        Assert.That(smoke.Output, Does.Contain($"FAIL  admin login (/admin/login as {SmokeAdmin}): HTTP 401"));
        Assert.That(smoke.All, Does.Not.Contain(wrong));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM participants"), Is.Zero, "the login comes first: nothing to clean up");
    }

    [Test]
    public async Task An_email_that_is_not_delivered_fails_its_check_and_the_runner_is_still_refunded()
    {
        await using (var connection = await OpenAsync())
            await TestData.CategoryAsync(connection);
        await CreateSmokeAdminAsync();
        // An SMTP server where nothing listens: every attempt fails and is retried later.
        using var app = FakeSystemd.Start(new Dictionary<string, string>
        {
            ["SMTP_HOST"] = "127.0.0.1",
            ["SMTP_PORT"] = LocalCluster.FreeTcpPort().ToString(),
            ["SMTP_SECURITY"] = "none",
            ["SMTP_FROM"] = "Tau-Tau Run <noreply@tautaurun.test>",
        });
        Assert.That(await app.ReceiveAsync(), Is.EqualTo("READY=1"));

        var smoke = await RunSmokeAsync(app, SmokePassword, emailWaitSeconds: 4);
        TestContext.Out.WriteLine(smoke.All);

        Assert.That(smoke.ExitCode, Is.EqualTo(1), smoke.All);
        Assert.That(smoke.Output, Does.Match(@"FAIL  email \(PAYMENT_CONFIRMED for TTR-\w+\): email not delivered within 4s"));
        Assert.That(smoke.Output, Does.Contain("ok    payment update").And.Match(@"ok    clean-up \(TTR-\w+ REFUNDED"));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT payment_status FROM participants"), Is.EqualTo("REFUNDED"));
    }

    [Test]
    public async Task Without_admin_credentials_leaves_no_trace()
    {
        using var app = FakeSystemd.Start();
        Assert.That(await app.ReceiveAsync(), Is.EqualTo("READY=1"));

        var smoke = await Shell.RunScriptAsync("deploy/smoke.sh", [$"http://127.0.0.1:{app.Port}"], new Dictionary<string, string>());

        Assert.That(smoke.ExitCode, Is.Zero, smoke.All);
        Assert.That(smoke.Output, Does.Not.Contain("test registration").And.Not.Contain("admin login ("));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM participants"), Is.Zero);
    }

    private const string SmokeAdmin = "smoke-admin";
    private const string SmokePassword = "smoke test password 42";
    private const string SmokeSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    /// <summary>The smoke admin, with the authenticator key an operator would have set it up with.</summary>
    private static async Task CreateSmokeAdminAsync()
    {
        var id = await AdminSession.CreateAdminAsync(SmokeAdmin, SmokePassword);
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync("UPDATE admins SET totp_secret = @SmokeSecret WHERE id = @id", new { SmokeSecret, id });
    }

    private static Task<Shell.Result> RunSmokeAsync(FakeSystemd app, string password, int emailWaitSeconds = 60) =>
        Shell.RunScriptAsync("deploy/smoke.sh", [$"http://127.0.0.1:{app.Port}"], new Dictionary<string, string>
        {
            ["SMOKE_ADMIN_USER"] = SmokeAdmin,
            ["SMOKE_ADMIN_PASSWORD"] = password,
            ["SMOKE_ADMIN_TOTP_SECRET"] = SmokeSecret,
            ["SMOKE_EMAIL_WAIT"] = emailWaitSeconds.ToString(),
        });

    private static string NewFolder(string name) =>
        Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "smoke", Guid.NewGuid().ToString("N"), name)).FullName;

    [Test]
    public async Task Fails_with_one_line_per_failed_check_when_nothing_answers()
    {
        var smoke = await Shell.RunScriptAsync("deploy/smoke.sh", [$"http://127.0.0.1:{LocalCluster.FreeTcpPort()}"], new Dictionary<string, string>());

        Assert.That(smoke.ExitCode, Is.EqualTo(1));
        Assert.That(smoke.Output, Does.Contain("FAIL  health (/health): HTTP 000").And.Contain("FAIL  home page (/)"));
    }
}
