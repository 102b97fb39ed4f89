using System.Net;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Hosting;

/// <summary>Who counts as one client for the rate limits.</summary>
public sealed class RateLimitingTests : DatabaseTest
{
    [Test]
    public async Task IPv6_addresses_in_one_64_share_a_limit_and_the_next_64_has_its_own()
    {
        using var app = new TestApp(settings: new Dictionary<string, string?> { ["RateLimits:RunnerPostsPerMinute"] = "2" });

        var statuses = new List<HttpStatusCode>();
        foreach (var client in new[] { "2001:db8:1:2::a", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::c", "2001:db8:1:3::a" })
            statuses.Add(await PostFromAsync(app, client));

        Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.OK }));
    }

    private static async Task<HttpStatusCode> PostFromAsync(TestApp app, string clientAddress)
    {
        var http = Runners.NewClient(app);
        http.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress);
        var client = new FormClient(http);
        var response = await client.SubmitAsync(await client.GetAsync("/status/link"), "/status/link",
            new Dictionary<string, string> { ["Email"] = "nobody@runners.test" });
        return response.StatusCode;
    }
}
