using System.Net;
using Dapper;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Registration;

/// <summary>A place is held only for an address that is confirmed: by opening the emailed link, or by paying.</summary>
public sealed class EmailConfirmationTests : DatabaseTest
{
    [Test]
    public async Task An_unconfirmed_registration_is_released_after_the_configured_time_and_the_first_waiting_runner_is_offered_the_place()
    {
        using var app = new TestApp(settings: new Dictionary<string, string?> { ["Event:EmailConfirmHours"] = "2" });
        long categoryId;
        await using (var connection = await OpenAsync())
            categoryId = await TestData.CategoryAsync(connection, capacity: 2);
        var (_, unconfirmed) = await RegisterAsync(app, categoryId);
        var (_, confirmed) = await RegisterAsync(app, categoryId);
        var (_, waiting) = await RegisterAsync(app, categoryId, joinWaitlist: true);
        Assert.That((await Runners.NewClient(app).GetAsync(await EmailedLinkAsync(confirmed))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await using var check = await OpenAsync();
        // Three hours pass: past the two configured, well within the default 24.
        await check.ExecuteAsync("UPDATE participants SET status_changed_at = now() - interval '3 hours' WHERE payment_status = 'PENDING'");

        var sweep = await app.Services.GetRequiredService<PaymentExpiry>().RunOnceAsync();

        Assert.That(sweep, Is.EqualTo(new PaymentExpiry.Sweep(Expired: 0, Unconfirmed: 1, OffersLapsed: 0, Skipped: false)));
        Assert.That(await Runners.StatusOfAsync(check, unconfirmed), Is.EqualTo("EXPIRED"));
        Assert.That(await Runners.StatusOfAsync(check, confirmed), Is.EqualTo("PENDING"));
        Assert.That(await Runners.StatusOfAsync(check, waiting), Is.EqualTo("OFFERED"));
        Assert.That(await check.QueryAsync<(string, string)>("""
            SELECT p.email, e.kind FROM email_logs e JOIN participants p ON p.id = e.participant_id
            WHERE e.kind IN ('REGISTRATION_EXPIRED', 'WAITLIST_OFFER') ORDER BY e.id
            """), Is.EqualTo(new[] { (unconfirmed, "REGISTRATION_EXPIRED"), (waiting, "WAITLIST_OFFER") }));
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT text_body FROM email_logs WHERE kind = 'REGISTRATION_EXPIRED'"),
            Does.Contain("not opened within 2 hours"));
    }

    [Test]
    public async Task Opening_the_emailed_link_confirms_the_address_and_the_page_says_so()
    {
        using var app = new TestApp();
        long categoryId;
        await using (var connection = await OpenAsync())
            categoryId = await TestData.CategoryAsync(connection);
        var (browserLink, email) = await RegisterAsync(app, categoryId);
        var client = Runners.NewClient(app);

        var before = await FormClient.ParseAsync(await client.GetAsync(browserLink));
        var emailed = await FormClient.ParseAsync(await client.GetAsync(await EmailedLinkAsync(email)));

        Assert.That(before.GetElementById("confirm-email")!.TextContent, Does.Contain("Please confirm your email address"));
        Assert.That(emailed.QuerySelector("main")!.TextContent, Does.Contain("Your email address is confirmed"));
        Assert.That(emailed.GetElementById("confirm-email"), Is.Null);
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<bool>("SELECT email_confirmed_at IS NOT NULL FROM participants WHERE email = @email", new { email }));
        Assert.That((await client.GetAsync(browserLink)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the emailed link replaces the form's");
    }

    [Test]
    public async Task Marking_a_registration_paid_confirms_its_address()
    {
        using var app = new TestApp();
        long categoryId;
        await using (var connection = await OpenAsync())
            categoryId = await TestData.CategoryAsync(connection);
        var (_, email) = await RegisterAsync(app, categoryId);
        await using var check = await OpenAsync();
        var id = await check.ExecuteScalarAsync<long>("SELECT id FROM participants WHERE email = @email", new { email });

        await app.Services.GetRequiredService<AdminChanges>().MarkPaidAsync(id,
            new AdminChanges.Payment(2500, "CASH", null, DateOnly.FromDateTime(DateTime.UtcNow)), new AuditActor(null, "admin", null));

        Assert.That(await check.ExecuteScalarAsync<bool>("SELECT email_confirmed_at IS NOT NULL FROM participants WHERE id = @id", new { id }));
    }

    private static async Task<(string StatusPath, string Email)> RegisterAsync(TestApp app, long categoryId, bool joinWaitlist = false)
    {
        var form = Runners.Form(categoryId);
        if (joinWaitlist)
            form["Form.JoinWaitlist"] = "true";
        return (Runners.StatusPath(await Runners.RegisterAsync(app, form)), form["Form.Email"]);
    }

    /// <summary>The link the "registration received" email carries: its token waits beside the body until sent.</summary>
    private static async Task<string> EmailedLinkAsync(string email)
    {
        await using var connection = await OpenAsync();
        return "/status/" + await connection.QuerySingleAsync<string>("""
            SELECT e.status_token FROM email_logs e JOIN participants p ON p.id = e.participant_id
            WHERE p.email = @email AND e.kind = 'REGISTRATION_RECEIVED'
            """, new { email });
    }
}
