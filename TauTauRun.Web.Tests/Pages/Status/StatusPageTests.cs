using System.Net;
using Dapper;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Status;

/// <summary>The runner's page behind the secret link.</summary>
public sealed class StatusPageTests : DatabaseTest
{
    private TestApp app = null!;
    private long categoryId;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using var connection = await OpenAsync();
        categoryId = await TestData.CategoryAsync(connection, capacity: 1);
    }

    [TearDown]
    public void Stop() => app.Dispose();

    [Test]
    public async Task An_unknown_or_malformed_link_is_a_plain_404()
    {
        await RegisterAsync();
        var client = app.CreateClient();

        Assert.That((await client.GetAsync($"/status/{StatusTokens.New()}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await client.GetAsync("/status/short")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await client.GetAsync("/status/'%20OR%201=1--")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Contact_details_and_size_can_be_changed_before_the_deadline()
    {
        var (status, _) = await RegisterAsync();
        var client = new FormClient(Runners.NewClient(app));

        var response = await client.SubmitAsync(await client.GetAsync(status), status, new Dictionary<string, string>
        {
            ["Contact.Email"] = "new.address@runners.test", ["Contact.Phone"] = "0031 20 123 4567", ["Contact.TshirtSize"] = "XL",
        }, "form[action*='handler=Update']");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        await using var connection = await OpenAsync();
        var row = await connection.QuerySingleAsync<(string Email, string Phone, string Size)>("SELECT email, phone, tshirt_size FROM participants");
        Assert.That(row, Is.EqualTo(("new.address@runners.test", "+31201234567", "XL")));
    }

    [Test]
    public async Task After_the_edit_deadline_nothing_can_be_changed()
    {
        var (status, email) = await RegisterAsync();
        var client = new FormClient(Runners.NewClient(app));
        var page = await client.GetAsync(status);
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("UPDATE event_settings SET edit_deadline = now() - interval '1 day'");
        app.Services.GetRequiredService<Web.Data.EventSettingsStore>().Forget(); // as an admin's change does
        Assert.That((await client.GetAsync(status)).QuerySelector("form[action*='handler=Update']"), Is.Null, "no edit form after the deadline");

        // The page opened before the deadline is sent after it.
        var response = await client.SubmitAsync(page, status, new Dictionary<string, string> { ["Contact.TshirtSize"] = "XS" },
            "form[action*='handler=Update']");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await FormClient.ParseAsync(response)).Body!.TextContent, Does.Contain("can no longer be changed online"));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT tshirt_size FROM participants WHERE email = @email", new { email }), Is.EqualTo("M"));
    }

    [Test]
    public async Task Cancelling_needs_the_confirmation_and_then_frees_the_place_and_sends_an_email()
    {
        var (status, email) = await RegisterAsync();
        var client = new FormClient(Runners.NewClient(app));

        var unconfirmed = await client.SubmitAsync(await client.GetAsync(status), status, new Dictionary<string, string>(), "form[action*='handler=Cancel']");
        Assert.That((await FormClient.ParseAsync(unconfirmed)).Body!.TextContent, Does.Contain("Tick the box to confirm"));

        await client.SubmitAsync(await client.GetAsync(status), status, new Dictionary<string, string> { ["confirm"] = "true" }, "form[action*='handler=Cancel']");

        await using var connection = await OpenAsync();
        Assert.That(await Runners.StatusOfAsync(connection, email), Is.EqualTo("CANCELLED"));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM category_slots WHERE participant_id IS NOT NULL"), Is.Zero);
        Assert.That(await connection.QueryAsync<string>("SELECT kind FROM email_logs ORDER BY id"),
            Is.EqualTo(new[] { "REGISTRATION_RECEIVED", "REGISTRATION_CANCELLED" }));
        Assert.That((await client.GetAsync(status)).QuerySelector(".status")!.TextContent.Trim(), Is.EqualTo("Cancelled"));
    }

    [Test]
    public async Task A_cancellation_offers_the_place_to_the_first_on_the_waiting_list_who_can_accept_it_from_the_email()
    {
        var (firstStatus, _) = await RegisterAsync();
        var (_, second) = await RegisterAsync(joinWaitlist: true);
        var (_, third) = await RegisterAsync(joinWaitlist: true);
        var client = new FormClient(Runners.NewClient(app));

        await client.SubmitAsync(await client.GetAsync(firstStatus), firstStatus, new Dictionary<string, string> { ["confirm"] = "true" }, "form[action*='handler=Cancel']");

        await using var connection = await OpenAsync();
        Assert.That(await Runners.StatusOfAsync(connection, second), Is.EqualTo("OFFERED"));
        Assert.That(await Runners.StatusOfAsync(connection, third), Is.EqualTo("WAITLISTED"));
        var offerLink = "/status/" + await connection.QuerySingleAsync<string>(
            "SELECT e.status_token FROM email_logs e JOIN participants p ON p.id = e.participant_id WHERE p.email = @second AND e.kind = 'WAITLIST_OFFER'", new { second });

        var accepted = await client.SubmitAsync(await client.GetAsync(offerLink), offerLink, new Dictionary<string, string>(), "form[action*='handler=Accept']");

        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await Runners.StatusOfAsync(connection, second), Is.EqualTo("PENDING"));
        Assert.That(await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM email_logs e JOIN participants p ON p.id = e.participant_id WHERE p.email = @second AND e.kind = 'REGISTRATION_RECEIVED'",
            new { second }), Is.EqualTo(1));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM category_slots WHERE participant_id IS NOT NULL"), Is.EqualTo(1));
    }

    [Test]
    public async Task Asking_for_the_link_again_answers_the_same_either_way_and_replaces_the_old_link()
    {
        var (status, email) = await RegisterAsync();
        var client = new FormClient(Runners.NewClient(app));

        var known = await client.SubmitAsync(await client.GetAsync("/status/link"), "/status/link", new Dictionary<string, string> { ["Email"] = email.ToUpperInvariant() });
        var unknown = await client.SubmitAsync(await client.GetAsync("/status/link"), "/status/link", new Dictionary<string, string> { ["Email"] = "nobody@runners.test" });

        Assert.That(Answer(await FormClient.ParseAsync(known)), Is.EqualTo(Answer(await FormClient.ParseAsync(unknown))));
        await using var connection = await OpenAsync();
        var newLink = "/status/" + await connection.QuerySingleAsync<string>("SELECT status_token FROM email_logs WHERE kind = 'STATUS_LINK'");
        Assert.That((await client.Http.GetAsync(newLink)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await client.Http.GetAsync(status)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the old link stops working");
    }

    private static string Answer(AngleSharp.Html.Dom.IHtmlDocument page) => page.QuerySelector("main")!.TextContent.Trim();

    private async Task<(string Status, string Email)> RegisterAsync(bool joinWaitlist = false)
    {
        var form = Runners.Form(categoryId);
        if (joinWaitlist)
            form["Form.JoinWaitlist"] = "true";
        return (Runners.StatusPath(await Runners.RegisterAsync(app, form)), form["Form.Email"]);
    }
}
