using System.Text.Json;
using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>
/// A scheduled backup that fails, as cron runs it (deploy/backup-job.sh --cron with the settings of
/// backup.env): the admins get an email through the app's own SMTP settings (`tautaurun notify-admins`,
/// to a real SMTP server), syslog gets the failure, and /health and the dashboard's checks turn Degraded.
/// </summary>
public sealed class BackupAlarmTests
{
    [Test]
    public async Task A_failing_nightly_emails_the_admins_and_turns_health_degraded_and_a_good_one_clears_it()
    {
        await ProductionLikeDatabase.CreateAsync(participants: 20);
        var folder = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "alarm", Guid.NewGuid().ToString("N"))).FullName;
        var backups = Path.Combine(folder, "backups");
        var settings = Path.Combine(folder, "backup.env");
        await File.WriteAllTextAsync(settings, $"# as install.sh writes it, with the folder changed\nBACKUP_DIR={backups}\n");
        await using var smtp = new TestSmtpServer();
        smtp.Start();
        var cli = Path.Combine(folder, "tautaurun");
        // /usr/local/bin/tautaurun: the release's command line with the service's settings.
        await File.WriteAllTextAsync(cli, $"#!/bin/bash\nexec dotnet {PublishedApp.Dll} \"$@\"\n");
        File.SetUnixFileMode(cli, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = ProductionLikeDatabase.Environment();
        foreach (var (name, value) in PublishedApp.Environment(Path.Combine(folder, "logs"), ProductionLikeDatabase.ConnectionString()))
            environment[name] = value;
        foreach (var (name, value) in smtp.AppSettings)
            environment[name] = value!;
        environment["ALARM_EMAIL_TO"] = "ops@tautaurun.test, lead@tautaurun.test";
        environment["TAUTAURUN_BACKUP_ENV"] = settings;
        environment["TAUTAURUN_BACKUP_USER"] = Environment.UserName;
        environment["TAUTAURUN_NOTIFY_CMD"] = $"{cli} notify-admins";
        environment["TAUTAURUN_LOG_CMD"] = $"cat >> {folder}/syslog";
        Task<Shell.Result> NightlyAsync() => Shell.RunScriptAsync("deploy/backup-job.sh", ["--cron", "nightly"], environment);
        using var app = new TestApp(settings: new Dictionary<string, string?> { ["Backups:Directory"] = backups });
        using var client = app.CreateClient();
        async Task<JsonElement> BackupCheckAsync() =>
            JsonDocument.Parse(await client.GetStringAsync("/health")).RootElement.GetProperty("checks").GetProperty("backups");

        var good = await NightlyAsync();
        Assert.That(good.ExitCode, Is.Zero, good.All);
        Assert.That((await BackupCheckAsync()).GetProperty("status").GetString(), Is.EqualTo("Healthy"));
        Assert.That(smtp.Messages, Is.Empty);

        environment["PGPORT"] = LocalCluster.FreeTcpPort().ToString(); // the database is gone
        var failed = await NightlyAsync();

        Assert.That(failed.ExitCode, Is.EqualTo(1));
        var alarm = (await smtp.WaitForAsync(1)).Single();
        Assert.That(alarm.Subject, Does.StartWith("[TauTauRun alarm] backup job nightly failed on "));
        Assert.That(alarm.To.Mailboxes.Select(m => m.Address), Is.EquivalentTo(new[] { "ops@tautaurun.test", "lead@tautaurun.test" }));
        Assert.That(alarm.TextBody, Does.Contain("backup.sh: error: cannot connect to database tau_tau_run_prod"));
        Assert.That(await File.ReadAllTextAsync(Path.Combine(folder, "syslog")),
            Does.Contain("backup-job.sh: error: nightly failed (exit 1)"), "the failure is in syslog too");
        var check = await BackupCheckAsync();
        Assert.That(check.GetProperty("status").GetString(), Is.EqualTo("Degraded"));
        Assert.That(check.GetProperty("description").GetString(), Does.StartWith("the last backup run failed: dump: cannot connect"));
        var health = JsonDocument.Parse(await client.GetStringAsync("/health")).RootElement;
        Assert.That(health.GetProperty("status").GetString(), Is.EqualTo("Degraded"), "/health still answers 200, Degraded");

        environment["PGPORT"] = ProductionLikeDatabase.Environment()["PGPORT"];
        var again = await NightlyAsync();
        Assert.That(again.ExitCode, Is.Zero, again.All);
        Assert.That((await BackupCheckAsync()).GetProperty("status").GetString(), Is.EqualTo("Healthy"), "a good dump clears it");
        Assert.That(smtp.Messages, Has.Count.EqualTo(1), "no alarm for a good run");
    }
}
