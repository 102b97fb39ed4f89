using System.Diagnostics;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>
/// Backups and recovery on a real Debian 12 with systemd, in one container boot: deploy/install.sh --timer
/// sets up pgBackRest (WAL archiving, a first full backup) and the timers; a plain upgrade keeps them and
/// backup.env; a failed backup unit starts the alarm unit, which mails the admins; the watchdog leaves a
/// service alone through a database outage but kills and restarts a hung (SIGSTOPped) one; and
/// deploy/pitr-restore.sh brings back exactly the runners of a moment before the damage.
/// </summary>
[Category("SystemdContainer")]
public sealed class BackupRecoveryContainerTests
{
    // The first of the instances install.sh enables; /health below is this instance's.
    private const string Instance = "tautaurun-api@8080";
    private const string Health = "curl -fsS http://localhost:8080/health";
    // Shorter than the unit's 30 s so the test waits less; the behaviour is the same at any value.
    private const int WatchdogSec = 10;
    private const string Psql = "runuser -u tautaurun -- psql -X -A -t -v ON_ERROR_STOP=1 -d tau_tau_run_prod";
    private const string State = Psql + """ -c "SELECT (SELECT count(*) FROM participants), (SELECT md5(string_agg(p::text, '' ORDER BY id)) FROM participants p)" """;

    [Test]
    public async Task Install_upgrade_alarm_watchdog_and_point_in_time_recovery_under_systemd()
    {
        var dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        await using var machine = await SystemdContainer.BootAsync(new Dictionary<string, string>
        {
            [dotnetRoot] = "/usr/share/dotnet",
            [PublishedApp.RepositoryRoot()] = "/srv/checkout",
            [Path.GetDirectoryName(PublishedApp.Dll)!] = "/srv/release",
        });
        var clock = Stopwatch.StartNew();
        void Measured(string what) => TestContext.Out.WriteLine($"{what}: {clock.Elapsed.TotalSeconds:0.0} s");
        await machine.MustAsync("ln -sf /usr/share/dotnet/dotnet /usr/bin/dotnet");

        // Install with timers: WAL archiving on, a first full pgBackRest backup, every timer enabled.
        var install = await machine.MustAsync("/srv/checkout/deploy/install.sh --published /srv/release --version 1.0.0 --timer 2>&1", TimeSpan.FromMinutes(5));
        Measured("install --timer");
        Assert.That(install, Does.Contain("point-in-time recovery: WAL archived to /opt/tautaurun/backups/pgbackrest"));
        Assert.That(await machine.MustAsync("runuser -u postgres -- psql -X -A -t -c 'SHOW archive_timeout'"), Does.Contain("1min"));
        Assert.That(await machine.MustAsync("runuser -u postgres -- pgbackrest --stanza=tautaurun info"), Does.Contain("full backup"));
        var health = await machine.MustAsync(Health);
        Assert.That(health, Does.Contain("\"status\":\"Healthy\"").And.Contain("\"wal_archive\":{\"status\":\"Healthy\""));

        // A plain upgrade (the docs' command) keeps the timers, and backup.env as the sysadmin left it.
        await machine.MustAsync("echo '# offsite settings of the sysadmin' >> /etc/tautaurun/backup.env");
        await machine.MustAsync("/srv/checkout/deploy/install.sh --published /srv/release --version 1.1.0", TimeSpan.FromMinutes(5));
        Assert.That(await machine.MustAsync("systemctl is-enabled tautaurun-backup.timer tautaurun-backup-verify.timer tautaurun-pitr-full.timer tautaurun-pitr-diff.timer"),
            Is.EqualTo("enabled\nenabled\nenabled\nenabled\n"));
        Assert.That((await machine.RunAsync("test -e /etc/cron.d/tautaurun-backup")).ExitCode, Is.Not.Zero, "no cron file beside the timers");
        Assert.That(await machine.MustAsync("tail -n1 /etc/tautaurun/backup.env"), Does.Contain("offsite settings of the sysadmin"));
        var jobs = await machine.RunAsync("systemctl start tautaurun-backup.service && systemctl start tautaurun-backup-verify.service", TimeSpan.FromMinutes(2));
        Assert.That(jobs.ExitCode, Is.Zero, await machine.MustAsync("journalctl -u tautaurun-backup.service -u tautaurun-backup-verify.service --no-pager"));
        Assert.That(await machine.MustAsync("journalctl -u tautaurun-backup-verify.service"), Does.Contain("verified").And.Contain("pgbackrest check passed"));

        // Data: runners registered, the moment T noted, more runners, then damage.
        await machine.MustAsync("runuser -u tautaurun -- psql -X -q -v ON_ERROR_STOP=1 -v participants=300 -d tau_tau_run_prod " +
                                "-f /srv/checkout/TauTauRun.Web.Tests/Operations/SampleData.sql");
        var atT = await machine.MustAsync(State);
        // --to has whole seconds: T lies strictly between the last commit before it and the first after it.
        var target = (await machine.MustAsync("sleep 1.1; date -u '+%Y-%m-%d %H:%M:%S'; sleep 1.1")).Trim();
        await machine.MustAsync(Psql + " -c \"" + MoreRunners + "\"");
        await machine.MustAsync(Psql + " -c '" + ProductionLikeDatabase.EmptyAuditLog + " DELETE FROM email_logs; UPDATE category_slots SET participant_id = NULL; DELETE FROM participants'");
        Assert.That(await machine.MustAsync(State), Is.Not.EqualTo(atT));

        // Bad input first: nothing may change.
        foreach (var (to, reason) in new[] { ("2099-01-01 00:00:00 UTC", "is in the future"), ("2020-01-01 00:00:00 UTC", "is before the oldest pgBackRest backup"),
                     (target, "must be \\\"YYYY-MM-DD HH:MM:SS ZONE\\\"") })
        {
            var refused = await machine.RunAsync($"/opt/tautaurun/current/deploy/pitr-restore.sh --to \"{to}\" --yes");
            Assert.That(refused.ExitCode, Is.EqualTo(1), refused.All);
            Assert.That(refused.Error, Does.Contain(reason.Replace("\\\"", "\"")));
        }
        clock.Restart();
        var pitr = await machine.MustAsync($"/opt/tautaurun/current/deploy/pitr-restore.sh --to \"{target} UTC\" --yes 2>&1", TimeSpan.FromMinutes(5));
        Measured("pitr-restore.sh");
        TestContext.Out.WriteLine(pitr);
        Assert.That(await machine.MustAsync(State), Is.EqualTo(atT), "exactly the runners of before T");
        Assert.That(await machine.MustAsync("ls /opt/tautaurun/backups"), Does.Match(@"_emergency\.sql\.gz"));
        await machine.MustAsync(Health);

        // The watchdog, with a shorter WatchdogSec through a drop-in for every instance; the first one is watched.
        await machine.MustAsync($"mkdir -p /etc/systemd/system/tautaurun-api@.service.d && printf '[Service]\\nWatchdogSec={WatchdogSec}\\n' " +
                                "> /etc/systemd/system/tautaurun-api@.service.d/watchdog.conf && systemctl daemon-reload && systemctl restart tautaurun-api");
        await machine.EventuallyAsync(Health, TimeSpan.FromSeconds(60));
        await machine.MustAsync("echo ALARM_EMAIL_TO=ops@example.org >> /etc/tautaurun/tautaurun.env");
        var pid = await MainPidAsync(machine);
        await machine.MustAsync("systemctl stop postgresql@15-main");
        clock.Restart();
        // A backup during the outage fails: its OnFailure= unit mails the admins (no SMTP_HOST here: the pickup folder).
        Assert.That((await machine.RunAsync("systemctl start tautaurun-backup.service")).ExitCode, Is.Not.Zero);
        var alarm = await machine.EventuallyAsync("grep -l 'tautaurun-backup.service failed' /var/lib/tautaurun/mail/*.eml", TimeSpan.FromSeconds(60));
        // Read as a mail program would: the body is quoted-printable, its long lines folded.
        var message = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(await machine.MustAsync($"cat {alarm.Trim()}"))));
        Assert.That(message.To.ToString(), Does.Contain("ops@example.org"));
        Assert.That(message.TextBody, Does.Contain("cannot connect to database"));
        Assert.That((await machine.RunAsync(Health)).ExitCode, Is.Not.Zero, "503 while the database is down");
        // Three watchdog intervals of outage: the process answers, so it stays.
        await machine.MustAsync($"sleep {Math.Max(0, 3 * WatchdogSec - (int)clock.Elapsed.TotalSeconds)}", TimeSpan.FromMinutes(2));
        Assert.That(await MainPidAsync(machine), Is.EqualTo(pid), "no watchdog restart through a database outage");
        await machine.MustAsync("systemctl start postgresql@15-main");
        await machine.EventuallyAsync(Health, TimeSpan.FromSeconds(60));
        Assert.That(await MainPidAsync(machine), Is.EqualTo(pid));

        // A real hang: SIGSTOP. systemd's watchdog fires and SIGKILL ends the stopped process at once.
        clock.Restart();
        await machine.MustAsync($"kill -STOP {pid}");
        await machine.EventuallyAsync($"[ \"$(systemctl show -p MainPID --value {Instance})\" != {pid} ] && {Health}", TimeSpan.FromSeconds(WatchdogSec + 30));
        Measured("SIGSTOP to healthy again");
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(WatchdogSec + 15), "within WatchdogSec and a few seconds");
        Assert.That(await machine.MustAsync($"journalctl -u {Instance}"), Does.Contain("Watchdog timeout"));
    }

    // Runners registered after T: the sample's shape, numbered on from 301.
    private const string MoreRunners = """
        INSERT INTO participants (reference, access_token_hash, category_id, payment_status, full_name, email, phone, date_of_birth, gender,
            tshirt_size, emergency_contact_name, emergency_contact_phone, amount_due_minor, currency, waiver_version, waiver_accepted_at)
        SELECT 'TTR-' || lpad(upper(to_hex(i)), 6, '0'), sha256(int4send(i)), 1 + i % 2, 'PENDING', 'Runner ' || i, 'runner' || i || '@example.org',
            '+4930' || lpad(i::text, 7, '0'), DATE '1980-01-01' + i % 9000, 'X', 'M', 'Contact ' || i, '+4930' || lpad(i::text, 7, '0'), 1500, 'EUR', 'v1', now()
        FROM generate_series(301, 400) AS i
        """;

    private static async Task<string> MainPidAsync(SystemdContainer machine) =>
        (await machine.MustAsync($"systemctl show -p MainPID --value {Instance}")).Trim();
}
