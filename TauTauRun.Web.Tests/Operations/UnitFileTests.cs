using System.Globalization;
using System.Text.RegularExpressions;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>systemd's own checks of the unit files, run on the files in the repository.</summary>
public sealed partial class UnitFileTests
{
    private static readonly string[] Units =
    [
        "tautaurun-api.service", "tautaurun-api@.service", "deploy/tautaurun-backup.service", "deploy/tautaurun-backup.timer",
        "deploy/tautaurun-backup-verify.service", "deploy/tautaurun-backup-verify.timer", "deploy/tautaurun-pitr-backup@.service",
        "deploy/tautaurun-pitr-full.timer", "deploy/tautaurun-pitr-diff.timer", "deploy/tautaurun-alarm@.service",
    ];

    private static string PathOf(string unit) => Path.Combine(PublishedApp.RepositoryRoot(), unit);

    [TestCaseSource(nameof(Units))]
    public async Task Systemd_analyze_verify_prints_nothing(string unit)
    {
        // verify checks the ExecStart binaries exist; the backup service's backup.sh lives in the release.
        var result = await Shell.RunAsync("systemd-analyze", ["verify", PathOf(unit)], new Dictionary<string, string>());
        Assert.That(result.ExitCode, Is.Zero, result.All);
        Assert.That(result.All, Is.Empty);
    }

    [TestCase("tautaurun-api@.service")]
    [TestCase("deploy/tautaurun-backup.service")]
    public async Task The_service_is_hardened_to_an_exposure_of_2_or_less(string unit)
    {
        var result = await Shell.RunAsync("systemd-analyze", ["security", "--offline=true", "--no-pager", PathOf(unit)],
            new Dictionary<string, string>());

        var level = ExposureLevel().Match(result.Output);
        Assert.That(level.Success, Is.True, result.All);
        Assert.That(double.Parse(level.Groups[1].Value, CultureInfo.InvariantCulture), Is.LessThanOrEqualTo(2.0), result.Output);
    }

    [Test]
    public void The_service_runs_as_the_plan_expects_and_lets_the_jit_work()
    {
        var unit = File.ReadAllText(PathOf("tautaurun-api@.service"));
        var group = File.ReadAllText(PathOf("tautaurun-api.service"));

        Assert.That(unit, Does.Contain("\nType=notify\n").And.Contain("\nUser=tautaurun\n")
            .And.Contain("\nEnvironmentFile=/etc/tautaurun/tautaurun.env\n").And.Contain("\nRestart=on-failure\n")
            .And.Match(@"\nWatchdogSec=\d+").And.Contain("\nWatchdogSignal=SIGKILL\n").And.Contain("\nLogsDirectory=tautaurun\n").And.Contain("\nStateDirectory=tautaurun\n")
            .And.Contain("\nPartOf=tautaurun-api.service\n").And.Contain("--urls http://localhost:%i"));
        Assert.That(group, Does.Contain("\nAlias=tautaurun-frontend.service\n").And.Contain("\nRemainAfterExit=yes\n"), "the plan's two names act on every instance");
        Assert.That(unit, Does.Not.Contain("MemoryDenyWriteExecute=").And.Not.Contain("Password").And.Not.Contain("PGPASSWORD"));
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d+)")]
    private static partial Regex ExposureLevel();
}
