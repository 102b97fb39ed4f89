using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>deploy/smoke.sh against the published app: one line per check, non-zero on any failure.</summary>
public sealed class SmokeScriptTests : DatabaseTest
{
    [Test]
    public async Task Passes_against_a_healthy_site_and_reports_pages_not_there_yet_as_skipped()
    {
        using var app = FakeSystemd.Start();
        Assert.That(await app.ReceiveAsync(), Is.EqualTo("READY=1"));

        var smoke = await Shell.RunScriptAsync("deploy/smoke.sh", [$"http://127.0.0.1:{app.Port}"], new Dictionary<string, string>());

        Assert.That(smoke.ExitCode, Is.Zero, smoke.All);
        Assert.That(smoke.Output, Does.Contain("ok    health (/health)").And.Contain("ok    home page (/)"));
        Assert.That(smoke.Output, Does.Match(@"(ok    |skip  )registration page").And.Match(@"(ok    |skip  )admin login page"));
        Assert.That(smoke.Output, Does.Not.Contain("FAIL"));
    }

    [Test]
    public async Task Fails_with_one_line_per_failed_check_when_nothing_answers()
    {
        var smoke = await Shell.RunScriptAsync("deploy/smoke.sh", [$"http://127.0.0.1:{LocalCluster.FreeTcpPort()}"], new Dictionary<string, string>());

        Assert.That(smoke.ExitCode, Is.EqualTo(1));
        Assert.That(smoke.Output, Does.Contain("FAIL  health (/health): HTTP 000").And.Contain("FAIL  home page (/)"));
    }
}
