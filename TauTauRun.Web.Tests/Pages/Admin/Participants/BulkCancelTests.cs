using AngleSharp.Html.Dom;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin.Participants;

/// <summary>Cancelling a filtered selection in one go, e.g. every unconfirmed place of one email domain.</summary>
public sealed class BulkCancelTests : DatabaseTest
{
    private const string Selection = "/admin/participants?q=%40spam.test&unconfirmed=true";
    private TestApp app = null!;
    private AdminSession admin = null!;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        long categoryId;
        await using (var connection = await OpenAsync())
            categoryId = await TestData.CategoryAsync(connection, capacity: 4);
        foreach (var email in new[] { "a@spam.test", "b@spam.test", "confirmed@spam.test", "anna@runners.test" })
            Runners.StatusPath(await Runners.RegisterAsync(app, Runners.Form(categoryId, email)));
        var waiting = Runners.Form(categoryId, "waiting@runners.test");
        waiting["Form.JoinWaitlist"] = "true";
        Runners.StatusPath(await Runners.RegisterAsync(app, waiting));
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("UPDATE participants SET email_confirmed_at = now() WHERE email = 'confirmed@spam.test'");
        admin = await AdminSession.SignedInAsync(app, "boss");
    }

    [TearDown]
    public void Stop()
    {
        admin.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task Every_unconfirmed_runner_of_a_domain_is_cancelled_with_the_reason_audited_and_the_places_move_on()
    {
        var page = await new FormClient(admin.Http).GetAsync(Selection);
        Assert.That(page.QuerySelector("form.cancel-all button")!.TextContent, Is.EqualTo("Cancel all 2"));

        await SubmitAsync(page, "made-up addresses from one domain");

        await using var check = await OpenAsync();
        Assert.That(await check.QueryAsync<(string, string)>("SELECT email, payment_status FROM participants ORDER BY id"), Is.EqualTo(new[]
        {
            ("a@spam.test", "CANCELLED"), ("b@spam.test", "CANCELLED"), ("confirmed@spam.test", "PENDING"),
            ("anna@runners.test", "PENDING"), ("waiting@runners.test", "OFFERED"),
        }));
        Assert.That(await check.QueryAsync<string>("""
            SELECT p.email FROM audit_log a JOIN participants p ON p.id = a.participant_id
            WHERE a.action = 'registration.cancelled' AND a.actor = 'boss' AND a.details->>'reason' = 'made-up addresses from one domain'
            ORDER BY p.id
            """), Is.EqualTo(new[] { "a@spam.test", "b@spam.test" }));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs WHERE kind = 'REGISTRATION_CANCELLED'"), Is.EqualTo(2));
    }

    [Test]
    public async Task Without_a_reason_or_with_a_changed_selection_nothing_is_cancelled()
    {
        var page = await new FormClient(admin.Http).GetAsync(Selection);
        await SubmitAsync(page, " ");
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("UPDATE participants SET email_confirmed_at = now() WHERE email = 'b@spam.test'");
        await SubmitAsync(page, "made-up addresses from one domain"); // the page still says 2; one is confirmed now

        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM participants WHERE payment_status = 'CANCELLED'"), Is.Zero);
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'registration.cancelled'"), Is.Zero);
    }

    private async Task SubmitAsync(IHtmlDocument page, string reason)
    {
        var response = await new FormClient(admin.Http).SubmitAsync(page, Selection, new Dictionary<string, string> { ["reason"] = reason }, "form.cancel-all");
        Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.Redirect));
    }
}
