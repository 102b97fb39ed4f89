using System.Diagnostics;
using System.Text.RegularExpressions;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>
/// A sysadmin's day on a real Debian 12 with systemd: deploy/install.sh, then the plan's commands
/// verbatim (placeholders filled in): status, journal, health, restart, a killed process coming back,
/// the nightly backup job, the Database Rollback procedure, deploy/restore.sh, deploy/rollback.sh
/// between two releases, the smoke and incident tools, and the unit's hardening in effect.
/// </summary>
[Category("SystemdContainer")]
public sealed class SystemdEndToEndTests
{
    private const string Health = "curl -fsS http://localhost:8080/health";
    // The first of the app's instances, on the plan's port; tautaurun-api itself is the group of them.
    private const string Instance = "tautaurun-api@8080";
    // The plan's verification, and a fingerprint of what a restore must bring back exactly.
    private const string State = """
        runuser -u tautaurun -- psql -X -A -t -d tau_tau_run_prod -c "SELECT (SELECT count(*) FROM participants), (SELECT count(*) FROM admins),
          (SELECT count(*) FROM email_logs), (SELECT count(*) FROM audit_log), (SELECT md5(string_agg(p::text, '' ORDER BY id)) FROM participants p)"
        """;
    private const string Damage = $"""
        runuser -u tautaurun -- psql -X -q -v ON_ERROR_STOP=1 -d tau_tau_run_prod -c "{ProductionLikeDatabase.EmptyAuditLog} UPDATE participants SET club = 'changed'"
        """;

    [Test]
    public async Task Install_then_the_plans_commands_work_verbatim_under_systemd()
    {
        await using var machine = await SystemdContainer.BootWithReleaseAsync();
        var clock = Stopwatch.StartNew();
        void Measured(string what) => TestContext.Out.WriteLine($"{what}: {clock.Elapsed.TotalSeconds:0.0} s");

        // The sysadmin has installed the .NET 10 runtime; then the installer does the rest.
        await machine.MustAsync("ln -sf /usr/share/dotnet/dotnet /usr/bin/dotnet");
        clock.Restart();
        await machine.MustAsync("/srv/checkout/deploy/install.sh --published /srv/release --version 1.0.0", TimeSpan.FromMinutes(5));
        Measured("install");
        Assert.That(await machine.MustAsync(Health), Does.Contain("\"status\":\"Healthy\""));
        Assert.That(await machine.MustAsync("sudo tautaurun verify-db"), Does.Contain("participants"));

        // Scenario 1, Application Crash.
        Assert.That(await machine.MustAsync("sudo systemctl status tautaurun-api"), Does.Contain("active"));
        await machine.MustAsync("sudo journalctl -u tautaurun-api -n 100");
        // The instances' own lines (tautaurun-api@PORT): the documented equivalent of the plan's line.
        Assert.That(await machine.MustAsync("sudo journalctl -u 'tautaurun-api*' -n 100"),
            Does.Contain("Now listening on").And.Contain("Systemd watchdog: a heartbeat every 15 s"), "WatchdogSec=30 reaches the app");
        var firstPid = await MainPidAsync(machine);
        await machine.MustAsync("sudo systemctl restart tautaurun-api");
        Assert.That(await MainPidAsync(machine), Is.Not.EqualTo(firstPid));
        await machine.MustAsync(Health);
        await machine.MustAsync("tail -n 5 /var/log/tautaurun/api-error.log");
        Assert.That(await machine.MustAsync("sudo systemctl status tautaurun-frontend"), Does.Contain("tautaurun-api.service"), "the alias");

        var beforeKill = await MainPidAsync(machine);
        clock.Restart();
        await machine.MustAsync($"sudo systemctl kill -s KILL {Instance}");
        await machine.EventuallyAsync($"[ \"$(systemctl show -p MainPID --value {Instance})\" != {beforeKill} ] && {Health}", TimeSpan.FromSeconds(60));
        Measured("back after kill -9");
        Assert.That((await machine.MustAsync($"systemctl show -p NRestarts --value {Instance}")).Trim(), Is.Not.EqualTo("0"));

        await TheHardeningIsInEffectAsync(machine);

        // Data, then the nightly backup as its cron line runs it, and the weekly restore test.
        await machine.MustAsync("runuser -u tautaurun -- psql -X -q -v ON_ERROR_STOP=1 -v participants=300 -d tau_tau_run_prod " +
                                "-f /srv/checkout/TauTauRun.Web.Tests/Operations/SampleData.sql");
        var atBackup = await machine.MustAsync(State);
        clock.Restart();
        await machine.MustAsync(CronCommand("30 2"));
        Measured("nightly backup (cron line)");
        var dump = (await machine.MustAsync("ls /opt/tautaurun/backups/tau_tau_run_prod_*.sql.gz")).Trim();
        await machine.MustAsync("sudo systemctl start tautaurun-backup.service");
        Assert.That(await machine.MustAsync("journalctl -u tautaurun-backup.service"), Does.Contain("backup.sh: wrote"));
        await machine.MustAsync(CronCommand("30 4"));
        Assert.That(await machine.MustAsync("journalctl -t tautaurun-backup"), Does.Contain("verified"));

        // The plan's Database Rollback, command by command.
        await machine.MustAsync(Damage);
        Assert.That(await machine.MustAsync(State), Is.Not.EqualTo(atBackup));
        const string password = "$(cut -d: -f5 /root/.pgpass)";
        clock.Restart();
        await machine.MustAsync("sudo systemctl stop tautaurun-api");
        await machine.MustAsync("sudo systemctl stop tautaurun-frontend");
        await machine.MustAsync($"PGPASSWORD={password} pg_dump \\\n  -h localhost -U tautaurun -d tau_tau_run_prod \\\n  | gzip > emergency_backup_$(date +%Y%m%d_%H%M%S).sql.gz");
        var restore = await machine.RunAsync($"gunzip -c {dump} | \\\nPGPASSWORD={password} psql \\\n  -h localhost -U tautaurun -d tau_tau_run_prod");
        Assert.That(restore.ExitCode, Is.Zero, restore.All);
        Assert.That(restore.All, Does.Not.Contain("ERROR"));
        Assert.That(await machine.MustAsync($"PGPASSWORD={password} psql -h localhost -U tautaurun \\\n  -d tau_tau_run_prod \\\n  -c \"SELECT COUNT(*) FROM participants;\""),
            Does.Contain("300"));
        await machine.MustAsync("sudo systemctl start tautaurun-api");
        await machine.MustAsync("sudo systemctl start tautaurun-frontend");
        await machine.EventuallyAsync(Health, TimeSpan.FromSeconds(60));
        Measured("the plan's database rollback");
        Assert.That(await machine.MustAsync(State), Is.EqualTo(atBackup));
        Assert.That(await machine.MustAsync("ls /root"), Does.Match(@"emergency_backup_\d{8}_\d{6}\.sql\.gz"));

        // The same as one command: run by the service user itself (allowed here to stop and start the
        // service with sudo), then by root twice in a row.
        const string restoreScript = "/opt/tautaurun/current/deploy/restore.sh --yes";
        await machine.MustAsync("echo 'tautaurun ALL=(root) NOPASSWD: /usr/bin/systemctl' > /etc/sudoers.d/restore-test");
        await RestoreScriptAsync(machine, atBackup, $"""
            runuser -u tautaurun -- env TAUTAURUN_STOP_CMD="sudo systemctl stop tautaurun-api 'tautaurun-api@*'" \
              TAUTAURUN_START_CMD="sudo systemctl start tautaurun-api" {restoreScript}
            """);
        await machine.MustAsync("rm /etc/sudoers.d/restore-test");
        clock.Restart();
        await RestoreScriptAsync(machine, atBackup, restoreScript);
        Measured("deploy/restore.sh");
        await RestoreScriptAsync(machine, atBackup, restoreScript);
        // The weekly verification, as the service user, takes the newest dump: root's emergency dump.
        await machine.MustAsync(CronCommand("30 4"));
        Assert.That(await machine.MustAsync("journalctl -t tautaurun-backup"), Does.Match(@"verified \S+_emergency\.sql\.gz"));

        // A second release, then the application rollback to the first.
        await machine.MustAsync("/srv/checkout/deploy/install.sh --published /srv/release --version 2.0.0", TimeSpan.FromMinutes(5));
        Assert.That(await ReleaseRunningAsync(machine), Is.EqualTo("/opt/tautaurun/releases/2.0.0"));
        await RestoreScriptAsync(machine, atBackup, restoreScript);
        clock.Restart();
        await machine.MustAsync("/opt/tautaurun/current/deploy/rollback.sh", TimeSpan.FromMinutes(3));
        Measured("deploy/rollback.sh");
        Assert.That(await ReleaseRunningAsync(machine), Is.EqualTo("/opt/tautaurun/releases/1.0.0"));
        Assert.That((await machine.MustAsync("readlink /opt/tautaurun/previous")).Trim(), Is.EqualTo("releases/2.0.0"));
        await machine.MustAsync(Health);
        // Forward again, and back with a schema rollback (to the version both releases share).
        await machine.MustAsync("/opt/tautaurun/current/deploy/rollback.sh", TimeSpan.FromMinutes(3));
        var down = await machine.MustAsync(
            $"/opt/tautaurun/current/deploy/rollback.sh --migrate-down-to {Web.Data.SchemaMigrator.LatestVersion} 2>&1", TimeSpan.FromMinutes(3));
        Assert.That(down, Does.Contain("back up the database first").And.Contain("Nothing to roll back"));
        Assert.That(await ReleaseRunningAsync(machine), Is.EqualTo("/opt/tautaurun/releases/1.0.0"));
        await machine.MustAsync(Health);

        Assert.That(await machine.MustAsync("/opt/tautaurun/current/deploy/smoke.sh http://localhost:8080"), Does.Contain("ok    health"));
        var snapshot = await machine.MustAsync("/opt/tautaurun/current/deploy/incident-snapshot.sh /root/incidents 2>&1");
        Assert.That(snapshot, Does.Contain("saved the journal of tautaurun-api"));
        await machine.MustAsync("cd /root/incidents/incident-* && sha256sum -c --quiet SHA256SUMS && grep -q participants incident_db_*.sql");
    }

    /// <summary>
    /// Damage, then deploy/restore.sh (<paramref name="command"/>) brings the dump back and the service
    /// up. psql and the emergency dump ran as tautaurun over the Unix socket (peer authentication, as
    /// the service connects): the emergency dump is the service user's, unreadable to others, like every dump.
    /// </summary>
    private static async Task RestoreScriptAsync(SystemdContainer machine, string atBackup, string command)
    {
        await machine.MustAsync(Damage);
        var restored = await machine.MustAsync(command + " 2>&1", TimeSpan.FromMinutes(3));
        TestContext.Out.WriteLine(restored);
        Assert.That(restored, Does.Contain("on the Unix socket, psql and pg_dump running as tautaurun").And.Not.Contain("Permission denied"));
        Assert.That(await machine.MustAsync(State), Is.EqualTo(atBackup));
        await machine.MustAsync(Health);
        var emergency = Regex.Match(restored, @"emergency backup of the current state: (\S+)").Groups[1].Value;
        Assert.That((await machine.MustAsync($"stat -c '%U:%G %a' {emergency}")).Trim(), Is.EqualTo("tautaurun:tautaurun 640"));
    }

    /// <summary>The service runs as tautaurun, and in its own view of the files only its directories are writable.</summary>
    private static async Task TheHardeningIsInEffectAsync(SystemdContainer machine)
    {
        var pid = await MainPidAsync(machine);
        Assert.That((await machine.MustAsync($"ps -o user= -p {pid}")).Trim(), Is.EqualTo("tautaurun"));
        Assert.That(await machine.MustAsync($"grep NoNewPrivs /proc/{pid}/status"), Does.Contain("1"));
        foreach (var readOnly in new[] { "/opt/tautaurun/probe", "/etc/tautaurun/probe", "/usr/local/bin/probe" })
        {
            var write = await machine.RunAsync($"nsenter -t {pid} -m touch {readOnly}");
            Assert.That(write.ExitCode, Is.Not.Zero, $"{readOnly} must not be writable by the service");
            Assert.That(write.Error, Does.Contain("Read-only file system"));
        }
        await machine.MustAsync($"nsenter -t {pid} -m touch /var/log/tautaurun/probe /var/lib/tautaurun/probe");
        await machine.MustAsync("rm /var/log/tautaurun/probe /var/lib/tautaurun/probe");
    }

    private static async Task<string> MainPidAsync(SystemdContainer machine) =>
        (await machine.MustAsync($"systemctl show -p MainPID --value {Instance}")).Trim();

    private static async Task<string> ReleaseRunningAsync(SystemdContainer machine) =>
        (await machine.MustAsync($"readlink /proc/{await MainPidAsync(machine)}/cwd")).Trim();

    /// <summary>The command of the /etc/cron.d line starting with SCHEDULE, run as cron would: as its user, with the file's variables.</summary>
    private static string CronCommand(string schedule) => $$"""
        set -a; eval "$(grep -E '^[A-Z_]+=' /etc/cron.d/tautaurun-backup)"; set +a
        line=$(grep '^{{schedule}} ' /etc/cron.d/tautaurun-backup)
        runuser -u "$(echo "$line" | awk '{print $6}')" -- bash -o pipefail -c "$(echo "$line" | cut -d' ' -f7-)"
        """;
}
