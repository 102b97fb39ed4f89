using System.Diagnostics;
using System.Text;
using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>
/// backup.sh's offsite copy against a real S3-compatible server started here (npm's s3rver 3.7.1,
/// installed by scripts/lib/prerequisites.sh outside the checkout), with Debian's awscli and age:
/// the copy arrives encrypted, cannot be read without the key, restores with it, and the bucket
/// follows the local retention.
/// </summary>
public sealed class OffsiteCopyTests
{
    private const string Bucket = "tautaurun-backups";

    public static async Task<(string KeyFile, string Recipient)> NewAgeKeyAsync(string keyFile)
    {
        var made = await Shell.RunAsync("age-keygen", ["-o", keyFile], new Dictionary<string, string>());
        Assert.That(made.ExitCode, Is.Zero, made.Error);
        var recipient = await Shell.RunAsync("age-keygen", ["-y", keyFile], new Dictionary<string, string>());
        return (keyFile, recipient.Output.Trim());
    }

    [Test]
    public async Task The_dump_arrives_encrypted_restores_with_the_key_only_and_the_bucket_follows_retention()
    {
        await ProductionLikeDatabase.CreateAsync(participants: 50);
        var folder = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "offsite", Guid.NewGuid().ToString("N"))).FullName;
        using var s3 = S3rver.Start(Path.Combine(folder, "s3"), Bucket);
        // The key pair lives outside the backups: only its public half is in the settings.
        var (key, recipient) = await NewAgeKeyAsync(Path.Combine(folder, "offline-key.txt"));
        var (wrongKey, _) = await NewAgeKeyAsync(Path.Combine(folder, "wrong-key.txt"));
        var environment = ProductionLikeDatabase.Environment();
        environment["BACKUP_DIR"] = Path.Combine(folder, "backups");
        environment["TAUTAURUN_S3_BUCKET"] = Bucket;
        environment["TAUTAURUN_AGE_RECIPIENT"] = recipient;
        foreach (var (name, value) in s3.Settings)
            environment[name] = value;
        // A copy of a dump this machine no longer keeps: retention removes it from the bucket too.
        var stale = await Shell.BashAsync($"echo old | aws s3 cp - s3://{Bucket}/tau_tau_run_prod_20200101.sql.gz.age", environment);
        Assert.That(stale.ExitCode, Is.Zero, stale.Error);

        var backup = await Shell.RunScriptAsync("backup.sh", ["--reason", "nightly"], environment);

        Assert.That(backup.ExitCode, Is.Zero, backup.Error);
        var dump = Path.GetFileName(Directory.GetFiles(environment["BACKUP_DIR"], "*.sql.gz").Single());
        var listing = await Shell.BashAsync($"aws s3 ls s3://{Bucket}/", environment);
        Assert.That(listing.Output, Does.Contain(dump + ".age").And.Contain(Path.ChangeExtension(Path.ChangeExtension(dump, null), ".counts") + ".age"));
        Assert.That(listing.Output, Does.Not.Contain("20200101"), "the bucket follows the local retention");

        // At rest: an age file, no SQL, no runner's address.
        var copy = Path.Combine(folder, "copy.age");
        Assert.That((await Shell.BashAsync($"aws s3 cp --only-show-errors s3://{Bucket}/{dump}.age {copy}", environment)).ExitCode, Is.Zero);
        var bytes = await File.ReadAllBytesAsync(copy);
        Assert.That(Encoding.ASCII.GetString(bytes, 0, 21), Is.EqualTo("age-encryption.org/v1"));
        Assert.That((await Shell.BashAsync($"gunzip -t {copy}", environment)).ExitCode, Is.Not.Zero, "not a readable gzip");
        var wrong = await Shell.BashAsync($"age -d -i {wrongKey} {copy} > /dev/null", environment);
        Assert.That(wrong.ExitCode, Is.Not.Zero);
        Assert.That(wrong.Error, Does.Contain("no identity matched"));

        // With the key: the plan's restore of the copy brings the data back.
        var atDump = await ProductionLikeDatabase.FingerprintAsync();
        await ProductionLikeDatabase.ExecuteAsync(ProductionLikeDatabase.EmptyAuditLog + " DELETE FROM email_logs; UPDATE category_slots SET participant_id = NULL; DELETE FROM participants");
        var restore = await Shell.BashAsync(
            $"aws s3 cp --only-show-errors s3://{Bucket}/{dump}.age - | age -d -i {key} > {folder}/{dump} && " +
            $"gunzip -c {folder}/{dump} | psql -h localhost -U tautaurun -d tau_tau_run_prod", environment);
        Assert.That(restore.ExitCode, Is.Zero, restore.All);
        Assert.That(await ProductionLikeDatabase.FingerprintAsync(), Is.EqualTo(atDump));
    }

    [Test]
    public async Task A_wrong_recipient_key_fails_with_one_line_and_keeps_the_local_dump()
    {
        await ProductionLikeDatabase.CreateAsync(participants: 5);
        var folder = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "offsite", Guid.NewGuid().ToString("N"))).FullName;
        using var s3 = S3rver.Start(Path.Combine(folder, "s3"), Bucket);
        var environment = ProductionLikeDatabase.Environment();
        environment["BACKUP_DIR"] = Path.Combine(folder, "backups");
        environment["TAUTAURUN_S3_BUCKET"] = Bucket;
        environment["TAUTAURUN_AGE_RECIPIENT"] = "age1notarealkey";
        foreach (var (name, value) in s3.Settings)
            environment[name] = value;

        var backup = await Shell.RunScriptAsync("backup.sh", ["--reason", "nightly"], environment);

        Assert.That(backup.ExitCode, Is.EqualTo(1));
        Assert.That(backup.Error, Does.Contain("backup.sh: error: offsite copy to s3://tautaurun-backups/ failed").And.Contain("is only local"));
        Assert.That(Directory.GetFiles(environment["BACKUP_DIR"], "*.sql.gz"), Has.Length.EqualTo(1));
        var listing = await Shell.BashAsync($"aws s3 ls s3://{Bucket}/", environment);
        Assert.That(listing.Output, Does.Not.Contain(".age"), "nothing unencrypted or half-written arrived");
    }

    /// <summary>npm's s3rver on a free local port, with one bucket; its objects kept in a folder.</summary>
    private sealed class S3rver : IDisposable
    {
        private readonly Process process;
        private readonly int port;

        private S3rver(Process process, int port)
        {
            this.process = process;
            this.port = port;
        }

        /// <summary>awscli's settings for it (s3rver's fixed test credentials).</summary>
        public Dictionary<string, string> Settings => new()
        {
            ["AWS_ENDPOINT_URL"] = $"http://127.0.0.1:{port}",
            ["AWS_ACCESS_KEY_ID"] = "S3RVER",
            ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
            ["AWS_DEFAULT_REGION"] = "us-east-1",
            ["AWS_MAX_ATTEMPTS"] = "1",
        };

        public static S3rver Start(string directory, string bucket)
        {
            var executable = Environment.GetEnvironmentVariable("TAUTAURUN_S3RVER") ?? "/var/cache/tautaurun-test/s3rver-3.7.1/node_modules/.bin/s3rver";
            if (!File.Exists(executable))
                Assert.Ignore($"{executable} is missing: scripts/test.sh installs it (npm install s3rver@3.7.1).");
            Directory.CreateDirectory(directory);
            var port = LocalCluster.FreeTcpPort();
            var start = new ProcessStartInfo(executable)
            {
                ArgumentList = { "--directory", directory, "--address", "127.0.0.1", "--port", port.ToString(), "--configure-bucket", bucket },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var process = Process.Start(start)!;
            // It says when it listens: the signal to wait for.
            string? line;
            do
                line = process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            while (line == "");
            Assert.That(line, Does.Contain($"listening on 127.0.0.1:{port}"), process.HasExited ? process.StandardError.ReadToEnd() : "");
            return new S3rver(process, port);
        }

        public void Dispose()
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
        }
    }
}
