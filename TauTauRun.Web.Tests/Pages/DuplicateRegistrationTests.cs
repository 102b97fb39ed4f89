using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages;

/// <summary>One form, one registration; one address, one registration per race.</summary>
public sealed class DuplicateRegistrationTests : DatabaseTest
{
    private TestApp app = null!;
    private long categoryId;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using var connection = await OpenAsync();
        categoryId = await TestData.CategoryAsync(connection, capacity: 10);
    }

    [TearDown]
    public void Stop() => app.Dispose();

    [Test]
    public async Task A_double_clicked_form_registers_once_and_both_answers_lead_to_the_same_registration()
    {
        var client = new FormClient(Runners.NewClient(app));
        var page = await client.GetAsync("/register");
        var form = Runners.Form(categoryId);

        var clicks = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.SubmitAsync(page, "/register", form, "form.runner-form")));
        var replay = await client.SubmitAsync(page, "/register", form, "form.runner-form");

        Assert.That(clicks.Append(replay).Select(Runners.StatusPath).Distinct().Count(), Is.EqualTo(1));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM participants"), Is.EqualTo(1));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs"), Is.EqualTo(1));
    }

    [Test]
    public async Task The_same_address_in_the_same_race_is_answered_as_the_link_page_answers_and_only_the_address_gets_the_link()
    {
        Runners.StatusPath(await Runners.RegisterAsync(app, Runners.Form(categoryId, "anna@runners.test")));

        var again = await Runners.RegisterAsync(app, Runners.Form(categoryId, "  ANNA@runners.test "));

        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var page = (await FormClient.ParseAsync(again)).Body!.TextContent;
        var client = new FormClient(Runners.NewClient(app));
        var linkPage = await client.SubmitAsync(await client.GetAsync("/status/link"), "/status/link",
            new Dictionary<string, string> { ["Email"] = "nobody@runners.test" });
        var linkAnswer = (await FormClient.ParseAsync(linkPage)).QuerySelector("p.notice")!.TextContent;
        Assert.That(page, Does.Contain(linkAnswer));
        Assert.That(page, Does.Not.Contain("already registered"));
        Assert.That(page, Does.Not.Contain("TTR-"), "nothing of the other registration is shown");
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM participants"), Is.EqualTo(1));
        Assert.That(await connection.QueryAsync<string>("SELECT recipient FROM email_logs WHERE kind = 'STATUS_LINK'"),
            Is.EqualTo(new[] { "anna@runners.test" }));
    }

    [Test]
    public async Task The_same_address_may_register_for_another_race_and_again_after_cancelling()
    {
        long otherCategory;
        await using (var connection = await OpenAsync())
            otherCategory = await TestData.CategoryAsync(connection, "5K", capacity: 10, bibFirst: 20000, bibLast: 20999);

        var first = Runners.StatusPath(await Runners.RegisterAsync(app, Runners.Form(categoryId, "anna@runners.test")));
        Runners.StatusPath(await Runners.RegisterAsync(app, Runners.Form(otherCategory, "anna@runners.test")));
        var client = new FormClient(Runners.NewClient(app));
        await client.SubmitAsync(await client.GetAsync(first), first, new Dictionary<string, string> { ["confirm"] = "true" }, "form[action*='handler=Cancel']");
        Runners.StatusPath(await Runners.RegisterAsync(app, Runners.Form(categoryId, "anna@runners.test")));

        await using var check = await OpenAsync();
        Assert.That(await check.QueryAsync<string>("SELECT payment_status FROM participants ORDER BY id"),
            Is.EqualTo(new[] { "CANCELLED", "PENDING", "PENDING" }));
    }
}
