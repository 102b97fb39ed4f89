using System.Security.Cryptography.X509Certificates;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>deploy/install.sh --root DIR: the tree a real install lays out, and that running it again is safe.</summary>
public sealed class InstallLayoutTests
{
    [Test]
    public async Task Lays_out_releases_settings_units_cron_and_the_wrapper_and_keeps_edits_on_a_second_run()
    {
        var root = Path.Combine(TestDatabase.TempRoot, "install", Guid.NewGuid().ToString("N"));
        var published = Path.GetDirectoryName(PublishedApp.Dll)!;
        Task<Shell.Result> InstallAsync(string version) => Shell.RunScriptAsync("deploy/install.sh",
            ["--root", root, "--published", published, "--version", version], new Dictionary<string, string>());

        var first = await InstallAsync("1.0.0");
        Assert.That(first.ExitCode, Is.Zero, first.All);
        string At(string path) => Path.Combine(root, path);
        foreach (var file in new[]
        {
            "opt/tautaurun/releases/1.0.0/TauTauRun.Web.dll", "opt/tautaurun/releases/1.0.0/backup.sh",
            "opt/tautaurun/releases/1.0.0/deploy/restore.sh", "opt/tautaurun/releases/1.0.0/deploy/lib/steps.sh",
            "opt/tautaurun/releases/1.0.0/docs/OPERATIONS.md", "etc/systemd/system/tautaurun-api.service",
            "etc/systemd/system/tautaurun-backup.service", "etc/systemd/system/tautaurun-backup.timer",
            "etc/cron.d/tautaurun-backup", "usr/local/bin/tautaurun", "etc/tautaurun/tautaurun.env", "etc/tautaurun/backup.env",
            "etc/systemd/system/tautaurun-backup-verify.timer", "etc/systemd/system/tautaurun-alarm@.service",
            "opt/tautaurun/releases/1.0.0/deploy/backup-job.sh", "opt/tautaurun/releases/1.0.0/deploy/lib/drop-tables.sql",
        })
            Assert.That(File.Exists(At(file)), Is.True, file);
        Assert.That(Directory.Exists(At("opt/tautaurun/backups")) && Directory.Exists(At("var/log/tautaurun")), Is.True);
        Assert.That(new FileInfo(At("opt/tautaurun/current")).LinkTarget, Is.EqualTo("releases/1.0.0"));
        Assert.That(File.GetUnixFileMode(At("etc/tautaurun/tautaurun.env")), Is.EqualTo((UnixFileMode)0b110_100_000), "0640");
        Assert.That(File.GetUnixFileMode(At("usr/local/bin/tautaurun")).HasFlag(UnixFileMode.UserExecute), Is.True);
        Assert.That(first.Error, Does.Contain("skipped with --root: migrate the database"));
        const string KeyFile = "etc/tautaurun/credentials/data-protection.pem";
        Assert.That(File.GetUnixFileMode(At(KeyFile)), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "0600");
        Assert.That(File.GetUnixFileMode(At("etc/tautaurun/credentials")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute), "0700");
        using (var certificate = X509Certificate2.CreateFromPemFile(At(KeyFile)))
            Assert.That(certificate.HasPrivateKey, Is.True, "the app reads what openssl wrote");
        var keyFile = await File.ReadAllTextAsync(At(KeyFile));

        await File.AppendAllTextAsync(At("etc/tautaurun/tautaurun.env"), "SMTP_HOST=smtp.example.org\n");
        var second = await InstallAsync("1.1.0");
        var again = await InstallAsync("1.1.0");

        Assert.That(second.ExitCode, Is.Zero, second.All);
        Assert.That(again.ExitCode, Is.Zero, again.All);
        Assert.That(await File.ReadAllTextAsync(At("etc/tautaurun/tautaurun.env")), Does.Contain("SMTP_HOST=smtp.example.org"), "settings are kept");
        Assert.That(await File.ReadAllTextAsync(At(KeyFile)), Is.EqualTo(keyFile), "the key file is never replaced");
        Assert.That(new FileInfo(At("opt/tautaurun/current")).LinkTarget, Is.EqualTo("releases/1.1.0"));
        Assert.That(new FileInfo(At("opt/tautaurun/previous")).LinkTarget, Is.EqualTo("releases/1.0.0"),
            "installing the same release twice does not lose the one to roll back to");
        Assert.That(Directory.GetDirectories(At("opt/tautaurun/releases")).Select(Path.GetFileName), Is.EquivalentTo(new[] { "1.0.0", "1.1.0" }));
    }

    [Test]
    public async Task A_plain_upgrade_after_a_timer_install_keeps_the_timers_and_backup_env_and_cron_is_only_taken_when_asked()
    {
        var root = Path.Combine(TestDatabase.TempRoot, "install", Guid.NewGuid().ToString("N"));
        var published = Path.GetDirectoryName(PublishedApp.Dll)!;
        Task<Shell.Result> InstallAsync(string version, params string[] more) => Shell.RunScriptAsync("deploy/install.sh",
            ["--root", root, "--published", published, "--version", version, .. more], new Dictionary<string, string>());
        string At(string path) => Path.Combine(root, path);

        var timer = await InstallAsync("1.0.0", "--timer");
        Assert.That(timer.ExitCode, Is.Zero, timer.All);
        Assert.That(File.Exists(At("etc/cron.d/tautaurun-backup")), Is.False);
        const string offsite = "TAUTAURUN_S3_BUCKET=my-offsite-bucket\n";
        await File.AppendAllTextAsync(At("etc/tautaurun/backup.env"), offsite);

        var plain = await InstallAsync("1.1.0");

        Assert.That(plain.ExitCode, Is.Zero, plain.All);
        Assert.That(plain.Error, Does.Contain("backups scheduled by timers"));
        Assert.That(File.Exists(At("etc/cron.d/tautaurun-backup")), Is.False, "the upgrade kept the timers");
        Assert.That(await File.ReadAllTextAsync(At("etc/tautaurun/backup.env")), Does.EndWith(offsite), "backup.env is kept");
        Assert.That(File.GetUnixFileMode(At("etc/tautaurun/backup.env")), Is.EqualTo((UnixFileMode)0b110_100_000), "0640");

        var cron = await InstallAsync("1.2.0", "--cron");
        Assert.That(cron.ExitCode, Is.Zero, cron.All);
        Assert.That(File.ReadAllText(At("etc/cron.d/tautaurun-backup")), Does.Contain("backup-job.sh --cron nightly"));
        Assert.That(await File.ReadAllTextAsync(At("etc/tautaurun/backup.env")), Does.EndWith(offsite));
    }
}
