using System.Net;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Hosting;

/// <summary>The published app tells systemd when it is ready and when it stops.</summary>
public sealed class SystemdNotifyTests : DatabaseTest
{
    [Test]
    public async Task Sends_READY_once_listening_and_STOPPING_on_SIGTERM_then_exits_cleanly()
    {
        using var systemd = FakeSystemd.Start();

        Assert.That(await systemd.ReceiveAsync(), Is.EqualTo("READY=1"));
        using var client = new HttpClient();
        var health = await client.GetAsync($"http://127.0.0.1:{systemd.Port}/health");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "READY=1 must mean the app answers");

        Signals.Send(systemd.App, Signals.SigTerm);

        Assert.That(await systemd.ReceiveAsync(), Is.EqualTo("STOPPING=1"));
        await systemd.WaitForExitAsync();
        Assert.That(systemd.Parent.ExitCode, Is.Zero, await systemd.Error);
        Assert.That(await systemd.Output, Does.Contain("<6>Now listening on"), "journald lines carry a syslog priority");
    }
}
