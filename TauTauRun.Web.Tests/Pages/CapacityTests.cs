using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages;

/// <summary>Never one runner over a category's cap, however many post at once.</summary>
public sealed class CapacityTests : DatabaseTest
{
    private const int Runners = 100;

    [TestCase(1, 5)]
    [TestCase(10, 5)]
    public async Task Concurrent_submissions_register_exactly_the_cap_and_offer_the_rest_the_waiting_list(int capacity, int rounds)
    {
        using var app = new TestApp();
        for (var round = 1; round <= rounds; round++)
        {
            await ResetDatabaseAsync();
            long categoryId;
            await using (var connection = await OpenAsync())
                categoryId = await TestData.CategoryAsync(connection, capacity: capacity);

            // Every runner has the form open first; then they all press the button together.
            var forms = await Task.WhenAll(Enumerable.Range(0, Runners).Select(async _ =>
            {
                var client = new FormClient(Infrastructure.Runners.NewClient(app));
                return (client, page: await client.GetAsync("/register"));
            }));
            var responses = await Task.WhenAll(forms.Select(f =>
                f.client.SubmitAsync(f.page, "/register", Infrastructure.Runners.Form(categoryId), "form.runner-form")));

            var registered = responses.Count(r => r.StatusCode == HttpStatusCode.Redirect);
            var offered = 0;
            foreach (var response in responses.Where(r => r.StatusCode != HttpStatusCode.Redirect))
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"round {round}");
                var page = await FormClient.ParseAsync(response);
                if (page.QuerySelector("button[name='Form.JoinWaitlist']") is not null)
                    offered++;
            }
            await using var check = await OpenAsync();
            var holders = await check.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM participants WHERE category_id = @categoryId AND payment_status = 'PENDING'", new { categoryId });
            var slotsTaken = await check.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM category_slots WHERE category_id = @categoryId AND participant_id IS NOT NULL", new { categoryId });
            Assert.That(holders, Is.EqualTo(capacity), $"round {round}: registered runners");
            Assert.That(registered, Is.EqualTo(capacity), $"round {round}: runners told they are registered");
            Assert.That(slotsTaken, Is.EqualTo(capacity), $"round {round}: slots taken");
            Assert.That(offered, Is.EqualTo(Runners - capacity), $"round {round}: runners offered the waiting list");
        }
    }

    [Test]
    public async Task A_runner_turned_away_can_join_the_waiting_list_and_is_told_so_by_email()
    {
        using var app = new TestApp();
        long categoryId;
        await using (var connection = await OpenAsync())
            categoryId = await TestData.CategoryAsync(connection, capacity: 1);
        Infrastructure.Runners.StatusPath(await Infrastructure.Runners.RegisterAsync(app, Infrastructure.Runners.Form(categoryId)));

        var client = new FormClient(Infrastructure.Runners.NewClient(app));
        var form = Infrastructure.Runners.Form(categoryId);
        var full = await client.SubmitAsync(await client.GetAsync("/register"), "/register", form, "form.runner-form");
        var fullPage = await FormClient.ParseAsync(full);
        Assert.That(fullPage.Body!.TextContent, Does.Contain("This race has just filled up"));
        var joined = await client.SubmitAsync(fullPage, "/register", new Dictionary<string, string> { ["Form.JoinWaitlist"] = "true" }, "form.runner-form");

        var status = Infrastructure.Runners.StatusPath(joined);
        await using var check = await OpenAsync();
        Assert.That(await Infrastructure.Runners.StatusOfAsync(check, form["Form.Email"]), Is.EqualTo("WAITLISTED"));
        Assert.That(await check.ExecuteScalarAsync<string>(
            "SELECT e.kind FROM email_logs e JOIN participants p ON p.id = e.participant_id WHERE p.email = @email",
            new { email = form["Form.Email"] }), Is.EqualTo("WAITLIST_JOINED"));
        var page = await new FormClient(app.CreateClient()).GetAsync(status);
        Assert.That(page.QuerySelector(".status")!.TextContent, Does.Contain("On the waiting list").And.Contain("number 1 in line"));
    }
}
