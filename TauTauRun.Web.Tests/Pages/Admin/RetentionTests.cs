using System.Net;
using AngleSharp.Html.Dom;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;
using TauTauRun.Web.Tests.Registration;

namespace TauTauRun.Web.Tests.Pages.Admin;

/// <summary>
/// The admin's side of erasing personal data: the dry-run report and its confirmation on /admin/retention,
/// a runner's erasure from their page, and the days in the event settings.
/// </summary>
public sealed class RetentionTests : DatabaseTest
{
    private TestApp app = null!;
    private AdminSession admin = null!;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        admin = await AdminSession.SignedInAsync(app, "keeper");
    }

    [TearDown]
    public void Stop()
    {
        admin.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task The_page_shows_the_dry_run_and_the_confirmed_run_leaves_the_dashboards_counts_as_they_were()
    {
        var seeded = await SampleEvent.SeedAsync(app);
        await SampleEvent.RaceWasDaysAgoAsync(app, 100);
        var dashboard = await DashboardCountsAsync();

        var preview = await FormClient.ParseAsync(await admin.GetAsync("/admin/retention"));
        Assert.That(preview.QuerySelector("table.preview td")!.TextContent, Is.EqualTo("3"), "runners");
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.Values), Has.Count.EqualTo(seeded.Values.Count), "showing it erased something");

        var run = await admin.PostAsync("/admin/retention", new Dictionary<string, string> { ["Confirm"] = "true" });

        Assert.That(run.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await run.Content.ReadAsStringAsync());
        var after = await FormClient.ParseAsync(await admin.GetAsync("/admin/retention"));
        Assert.That(after.QuerySelector(".message")!.TextContent, Is.EqualTo("Erased the personal data of 3 runners."));
        Assert.That(after.QuerySelector("main form"), Is.Null, "nothing is left to erase");
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.Values), Is.Empty);
        Assert.That(await DashboardCountsAsync(), Is.EqualTo(dashboard));
    }

    [Test]
    public async Task Without_the_confirmation_tick_nothing_is_erased()
    {
        var seeded = await SampleEvent.SeedAsync(app);
        await SampleEvent.RaceWasDaysAgoAsync(app, 100);

        var run = await admin.PostAsync("/admin/retention", new Dictionary<string, string>());
        var one = await admin.PostAsync($"/admin/participants/{seeded.Pending}/erase", new Dictionary<string, string> { ["Confirm"] = "false" });

        Assert.That(run.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await run.Content.ReadAsStringAsync(), Does.Contain("Tick the box to confirm"));
        Assert.That(one.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.Values), Has.Count.EqualTo(seeded.Values.Count));
    }

    [Test]
    public async Task Without_the_forms_token_nothing_is_erased()
    {
        var seeded = await SampleEvent.SeedAsync(app);
        await SampleEvent.RaceWasDaysAgoAsync(app, 100);
        var confirm = new FormUrlEncodedContent(new Dictionary<string, string> { ["Confirm"] = "true" });

        var run = await admin.Http.PostAsync("/admin/retention", confirm);
        var one = await admin.Http.PostAsync($"/admin/participants/{seeded.Pending}/erase", confirm);

        Assert.That(run.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(one.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.Values), Has.Count.EqualTo(seeded.Values.Count));
    }

    [Test]
    public async Task Before_the_date_the_page_offers_no_erasure_and_refuses_one()
    {
        var seeded = await SampleEvent.SeedAsync(app);

        var page = await FormClient.ParseAsync(await admin.GetAsync("/admin/retention"));
        var run = await admin.PostAsync("/admin/retention", new Dictionary<string, string> { ["Confirm"] = "true" }, tokenFrom: "/admin/settings");

        Assert.That(page.QuerySelector("main form"), Is.Null);
        Assert.That(page.QuerySelector(".notice")!.TextContent, Does.StartWith("Not yet"));
        Assert.That(run.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.Values), Has.Count.EqualTo(seeded.Values.Count));
    }

    [Test]
    public async Task A_runners_erasure_from_their_page_shows_what_it_does_then_cancels_and_erases_them()
    {
        var seeded = await SampleEvent.SeedAsync(app);
        var details = await FormClient.ParseAsync(await admin.GetAsync($"/admin/participants/{seeded.Pending}"));
        var link = details.QuerySelectorAll("a").Single(a => a.GetAttribute("href") == $"/admin/participants/{seeded.Pending}/erase");

        var preview = await FormClient.ParseAsync(await admin.GetAsync(link.GetAttribute("href")!));
        Assert.That(preview.QuerySelector("main")!.TextContent, Does.Contain("would have no personal data left"));
        var erase = await admin.PostAsync($"/admin/participants/{seeded.Pending}/erase", new Dictionary<string, string> { ["Confirm"] = "true" });

        Assert.That(AdminSession.RedirectPath(erase), Is.EqualTo($"/admin/participants/{seeded.Pending}"));
        var after = await FormClient.ParseAsync(await admin.GetAsync($"/admin/participants/{seeded.Pending}"));
        Assert.That(after.QuerySelector(".message")!.TextContent, Does.Contain("is cancelled (the place went to the waiting list) and has no personal data left"));
        Assert.That(after.QuerySelector("h1")!.TextContent, Does.EndWith("Erased runner"));
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.ValuesOfPending), Is.Empty);
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT payment_status FROM participants WHERE id = @Waiting", seeded), Is.EqualTo("OFFERED"));
    }

    [Test]
    public async Task The_days_until_the_erasure_are_an_event_setting()
    {
        var page = await FormClient.ParseAsync(await admin.GetAsync("/admin/settings"));
        var fields = FormClient.Fields((IHtmlFormElement)page.QuerySelector("main form")!);

        fields["Form.ErasePersonalDataDays"] = "0";
        var refused = await admin.PostAsync("/admin/settings", fields);
        fields["Form.ErasePersonalDataDays"] = "30";
        var saved = await admin.PostAsync("/admin/settings", fields);

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("Personal data is erased 1 to 3650 days after the race."));
        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT erase_personal_data_days FROM event_settings"), Is.EqualTo(30));
    }

    /// <summary>The dashboard's tables (places, money, T-shirts, bib pickup, email), as text.</summary>
    private async Task<string[]> DashboardCountsAsync()
    {
        var page = await FormClient.ParseAsync(await admin.GetAsync("/admin"));
        return page.QuerySelectorAll("main table").Select(table => table.TextContent.Trim()).ToArray();
    }
}
