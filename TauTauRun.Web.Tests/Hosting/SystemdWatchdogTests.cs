using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Hosting;

/// <summary>
/// The app feeds systemd's watchdog (WatchdogSec= sets WATCHDOG_USEC) while the process runs, whatever the
/// database's state: a restart cannot fix the database. (A hung process stops feeding it: the
/// real-systemd test, SystemdRecoveryTests, stops one with SIGSTOP.)
/// </summary>
public sealed class SystemdWatchdogTests : DatabaseTest
{
    private static readonly TimeSpan WatchdogSec = TimeSpan.FromSeconds(2);
    private static readonly Dictionary<string, string> Watchdog = new() { ["WATCHDOG_USEC"] = "2000000" };

    [Test]
    public async Task Sends_WATCHDOG_1_at_half_the_interval_while_healthy()
    {
        using var systemd = FakeSystemd.Start(Watchdog);

        Assert.That(await systemd.ReceiveAsync(), Is.EqualTo("READY=1"));
        // Three beats in a row, each before systemd's watchdog would fire.
        for (var beat = 0; beat < 3; beat++)
            Assert.That(await systemd.ReceiveAsync(within: WatchdogSec), Is.EqualTo("WATCHDOG=1"), $"beat {beat + 1}");
    }

    [Test]
    public async Task Keeps_feeding_the_watchdog_while_the_database_is_unreachable()
    {
        var closedPort = LocalCluster.FreeTcpPort();
        var environment = new Dictionary<string, string>(Watchdog)
        {
            ["ConnectionStrings__Default"] = $"Host=127.0.0.1;Port={closedPort};Username=tautaurun;Database=tau_tau_run_prod;Timeout=1",
        };
        using var systemd = FakeSystemd.Start(environment);

        Assert.That(await systemd.ReceiveAsync(), Is.EqualTo("READY=1"), await ErrorSoFar(systemd));
        // Beats keep coming, each in time, while every health check fails: no restart loop.
        for (var beat = 0; beat < 4; beat++)
            Assert.That(await systemd.ReceiveAsync(within: WatchdogSec), Is.EqualTo("WATCHDOG=1"), $"beat {beat + 1}");
    }

    private static async Task<string> ErrorSoFar(FakeSystemd systemd) =>
        systemd.Parent.HasExited ? await systemd.Error : "";
}
