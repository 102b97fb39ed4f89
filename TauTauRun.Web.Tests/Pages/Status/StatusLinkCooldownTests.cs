using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Status;

/// <summary>"Send me my link" cannot flood a mailbox: one email per address and cooldown, whoever asks and wherever.</summary>
public sealed class StatusLinkCooldownTests : DatabaseTest
{
    [Test]
    public async Task The_cooldown_holds_across_client_addresses_and_instances_and_the_old_link_keeps_working()
    {
        using var first = new TestApp();
        using var second = new TestApp();
        long categoryId;
        await using (var connection = await OpenAsync())
            categoryId = await TestData.CategoryAsync(connection);
        var form = Runners.Form(categoryId);
        var status = Runners.StatusPath(await Runners.RegisterAsync(first, form));

        var answers = new List<string>();
        foreach (var (app, client) in new[] { (first, "203.0.113.7"), (second, "198.51.100.9"), (first, "2001:db8:5::1") })
            answers.Add(await AskForLinkAsync(app, client, form["Form.Email"]));

        Assert.That(answers.Distinct().Count(), Is.EqualTo(1), "the same answer whether or not an email went out");
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs WHERE kind = 'STATUS_LINK'"), Is.EqualTo(1));
        Assert.That((await Runners.NewClient(second).GetAsync(status)).StatusCode, Is.EqualTo(HttpStatusCode.OK),
            "asking for a new link does not break the one the runner has");
    }

    /// <summary>Posts the form from a client behind the proxy at <paramref name="clientAddress"/>; returns what the page says.</summary>
    private static async Task<string> AskForLinkAsync(TestApp app, string clientAddress, string email)
    {
        var http = Runners.NewClient(app);
        http.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress);
        var client = new FormClient(http);
        var response = await client.SubmitAsync(await client.GetAsync("/status/link"), "/status/link", new Dictionary<string, string> { ["Email"] = email });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return (await FormClient.ParseAsync(response)).QuerySelector("main")!.TextContent.Trim();
    }
}
