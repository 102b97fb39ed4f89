using System.Net;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Hosting;

/// <summary>Only the configured public host name (and this machine's own names) is served.</summary>
public sealed class AllowedHostsTests : DatabaseTest
{
    [Test]
    public async Task A_request_for_another_host_name_is_refused_once_the_public_address_is_set()
    {
        using var app = new TestApp(settings: new Dictionary<string, string?> { ["TauTauRun:PublicBaseUrl"] = "https://register.example.org" });
        using var client = app.CreateClient();

        var own = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = "register.example.org" } });
        var local = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = "localhost:8080" } });
        var other = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = "evil.example" } });

        Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(local.StatusCode, Is.EqualTo(HttpStatusCode.OK), "health checks and smoke tests use localhost");
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
