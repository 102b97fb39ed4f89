using TauTauRun.Web.Hosting;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Hosting;

public sealed class SecurityHeadersTests : DatabaseTest
{
    [TestCase("/")]
    [TestCase("/admin/login")]
    [TestCase("/health")]
    [TestCase("/no-such-page")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        using var app = new TestApp();
        using var client = app.CreateClient();

        var response = await client.GetAsync(path);

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.That(csp, Does.Contain("script-src 'self'").And.Contain("frame-ancestors 'none'").And.Not.Contain("unsafe-inline"));
        Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
        Assert.That(response.Headers.GetValues("Referrer-Policy").Single(), Is.EqualTo("same-origin"));
        Assert.That(response.Headers.GetValues("X-Frame-Options").Single(), Is.EqualTo("DENY"));
        Assert.That(response.Headers.Contains("Strict-Transport-Security"), Is.False, "HSTS only over HTTPS");
    }

    [Test]
    public async Task Over_https_responses_carry_hsts()
    {
        using var app = new TestApp();
        using var session = new AdminSession(app, https: true);

        var response = await session.GetAsync("/");

        Assert.That(response.Headers.GetValues("Strict-Transport-Security").Single(), Does.StartWith("max-age=31536000"));
    }

    [Test]
    public async Task Admin_pages_are_never_stored_in_a_cache()
    {
        using var app = new TestApp();
        using var client = app.CreateClient();

        var response = await client.GetAsync("/admin/login");

        Assert.That(response.Headers.CacheControl!.NoStore, Is.True);
        Assert.That(SecurityHeaders.ContentSecurityPolicy, Does.Contain("style-src 'self'"));
    }
}
