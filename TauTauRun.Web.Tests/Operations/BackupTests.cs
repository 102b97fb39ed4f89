using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>backup.sh against the plan's database, and the plan's restore command on its dumps.</summary>
public sealed class BackupTests
{
    private const string PlanRestore = "gunzip -c {0} | psql -h localhost -U tautaurun -d tau_tau_run_prod";
    private string backupDirectory = "";
    private Dictionary<string, string> environment = [];

    [SetUp]
    public async Task CreateDatabaseAsync()
    {
        await ProductionLikeDatabase.CreateAsync();
        backupDirectory = Path.Combine(TestDatabase.TempRoot, "backups", Guid.NewGuid().ToString("N"));
        environment = ProductionLikeDatabase.Environment();
        environment["BACKUP_DIR"] = backupDirectory;
    }

    private string TodaysDump => Path.Combine(backupDirectory, $"tau_tau_run_prod_{DateTime.Now:yyyyMMdd}.sql.gz");

    /// <summary>The backup folder's entries, without backup.sh's own hidden lock and state.</summary>
    private string[] Entries() =>
        Directory.GetFileSystemEntries(backupDirectory).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).ToArray()!;

    private Task<Shell.Result> BackupAsync(params string[] arguments) =>
        Shell.RunScriptAsync("backup.sh", arguments, environment);

    [Test]
    public async Task The_plans_restore_command_brings_every_table_back_to_the_dump_with_no_error()
    {
        var atDumpTime = await ProductionLikeDatabase.FingerprintAsync();
        // Races with their places (made by the slot trigger when the races were inserted), runners holding them.
        Assert.That(atDumpTime["category_slots"], Does.StartWith("600 rows"));
        var backup = await BackupAsync("--reason", "nightly");
        Assert.That(backup.ExitCode, Is.Zero, backup.Error);
        await ProductionLikeDatabase.ExecuteAsync($"""
            UPDATE category_slots SET participant_id = NULL WHERE participant_id % 2 = 0;
            {ProductionLikeDatabase.EmptyAuditLog}
            DELETE FROM email_logs WHERE id % 2 = 0;
            UPDATE participants SET payment_status = 'PENDING', amount_paid_minor = NULL, paid_on = NULL, bib = NULL;
            UPDATE event_settings SET name = 'Changed';
            INSERT INTO admins (username, display_name, password_hash, role) VALUES ('intruder', 'Intruder', 'x', 'admin');
            """);
        Assert.That(await ProductionLikeDatabase.FingerprintAsync(), Is.Not.EqualTo(atDumpTime));

        var restore = await Shell.BashAsync(string.Format(PlanRestore, TodaysDump), environment);

        Assert.That(restore.ExitCode, Is.Zero, restore.Error);
        Assert.That(restore.All, Does.Not.Contain("ERROR"));
        Assert.That(await ProductionLikeDatabase.FingerprintAsync(), Is.EqualTo(atDumpTime));
        // Identity sequences come back too: the next row does not collide with a restored one.
        Assert.DoesNotThrowAsync(() => ProductionLikeDatabase.ExecuteAsync(
            "INSERT INTO admins (username, display_name, password_hash, role) VALUES ('after', 'After', 'x', 'admin')"));
    }

    [Test]
    public async Task Stores_each_tables_row_count_beside_the_dump_and_writes_only_finished_files()
    {
        var backup = await BackupAsync("--reason", "nightly");

        Assert.That(backup.ExitCode, Is.Zero, backup.Error);
        var counts = File.ReadAllLines(Path.ChangeExtension(Path.ChangeExtension(TodaysDump, null), ".counts"));
        Assert.That(counts, Does.Contain("public.participants\t300").And.Contain("public.admins\t2").And.Contain("public.email_logs\t300"));
        Assert.That(Entries(),
            Is.EquivalentTo(new[] { Path.GetFileName(TodaysDump), Path.GetFileName(Path.ChangeExtension(Path.ChangeExtension(TodaysDump, null), ".counts")) }));
    }

    [Test]
    public async Task Verify_passes_for_a_good_dump_and_fails_for_one_that_does_not_match()
    {
        Assert.That((await BackupAsync("--reason", "nightly")).ExitCode, Is.Zero);
        var good = await BackupAsync("--verify");
        Assert.That(good.ExitCode, Is.Zero, good.Error);
        Assert.That(good.Error, Does.Contain("verified"));

        // A dump that lost a row on the way (one audit_log COPY line removed) no longer matches.
        var tampered = await Shell.BashAsync(
            $"gunzip -c {TodaysDump} | awk '/^COPY public.audit_log /{{copy=1; print; next}} copy && !dropped {{dropped=1; next}} {{print}}' | gzip > {TodaysDump}.new && mv {TodaysDump}.new {TodaysDump}",
            environment);
        Assert.That(tampered.ExitCode, Is.Zero, tampered.Error);

        var bad = await BackupAsync("--verify");

        Assert.That(bad.ExitCode, Is.Not.Zero);
        Assert.That(bad.Error, Does.Contain("public.audit_log\t100").And.Contain("does not restore to the database it was taken from"));
    }

    [Test]
    public async Task A_backup_with_the_database_down_fails_loudly_and_keeps_the_previous_dump()
    {
        var good = await GoodBackupAsync();
        environment["PGPORT"] = Web.Development.LocalCluster.FreeTcpPort().ToString();

        var failed = await FailsKeepingTheGoodDumpAsync(good, "cannot connect to database tau_tau_run_prod");

        Assert.That(failed.Error.Trim().Split('\n'), Has.Length.EqualTo(1), "one clear line");
    }

    [Test]
    public async Task A_backup_onto_a_full_disk_fails_loudly_and_keeps_the_previous_dump()
    {
        using var disk = TinyDisk.Mount(backupDirectory, "256k");
        var good = await GoodBackupAsync();
        // Random hex compresses badly: the next dump is larger than the whole disk.
        await ProductionLikeDatabase.ExecuteAsync("""
            INSERT INTO data_protection_keys (friendly_name, xml)
            SELECT i::text, (SELECT string_agg(md5(random()::text || i || j), '') FROM generate_series(1, 40) j)
            FROM generate_series(1, 1000) i
            """);

        await FailsKeepingTheGoodDumpAsync(good, "No space left on device");
    }

    [Test]
    public async Task A_backup_into_a_read_only_directory_fails_loudly_and_keeps_the_previous_dump()
    {
        using var disk = TinyDisk.Mount(backupDirectory, "1m");
        var good = await GoodBackupAsync();
        disk.MakeReadOnly();

        await FailsKeepingTheGoodDumpAsync(good, "is not writable");
    }

    private async Task<byte[]> GoodBackupAsync()
    {
        var backup = await BackupAsync("--reason", "nightly");
        Assert.That(backup.ExitCode, Is.Zero, backup.Error);
        return await File.ReadAllBytesAsync(TodaysDump);
    }

    /// <summary>Runs a backup that must fail, and checks that it said why and left the earlier dump as it was.</summary>
    private async Task<Shell.Result> FailsKeepingTheGoodDumpAsync(byte[] good, string reason)
    {
        var failed = await BackupAsync("--reason", "nightly");
        Assert.That(failed.ExitCode, Is.Not.Zero);
        Assert.That(failed.Error, Does.StartWith("backup.sh: error:").And.Contain(reason));
        Assert.That(await File.ReadAllBytesAsync(TodaysDump), Is.EqualTo(good), "the earlier dump is untouched");
        Assert.That(Entries(), Has.Length.EqualTo(2), "only the dump and its counts: no temporary file");
        return failed;
    }

    [Test]
    public async Task An_offsite_copy_that_fails_makes_the_backup_fail_but_keeps_the_local_dump()
    {
        // A closed local port stands in for an unreachable S3: nothing leaves this machine.
        environment["TAUTAURUN_S3_BUCKET"] = "tautaurun-backups";
        environment["TAUTAURUN_AGE_RECIPIENT"] = (await OffsiteCopyTests.NewAgeKeyAsync(backupDirectory + "-key")).Recipient;
        environment["AWS_ENDPOINT_URL"] = $"http://127.0.0.1:{Web.Development.LocalCluster.FreeTcpPort()}";
        environment["AWS_ACCESS_KEY_ID"] = "test";
        environment["AWS_SECRET_ACCESS_KEY"] = "test";
        environment["AWS_DEFAULT_REGION"] = "eu-central-1";
        environment["AWS_MAX_ATTEMPTS"] = "1";

        var backup = await BackupAsync("--reason", "nightly");

        Assert.That(backup.ExitCode, Is.Not.Zero);
        Assert.That(backup.Error, Does.Contain("s3://tautaurun-backups/").And.Contain("is only local"));
        Assert.That(File.Exists(TodaysDump), Is.True);
    }

    [Test]
    public async Task Every_run_writes_its_own_file_a_second_nightly_keeps_both_and_list_shows_them()
    {
        foreach (var reason in new[] { "nightly", "pre-deploy", "nightly", "rollback-safety" })
        {
            var run = await BackupAsync("--reason", reason);
            Assert.That(run.ExitCode, Is.Zero, run.Error);
        }
        var manual = await BackupAsync();
        Assert.That(manual.ExitCode, Is.Zero, manual.Error);

        var dumps = Entries().Where(n => n.EndsWith(".sql.gz")).Order().ToList();
        Assert.That(dumps, Has.Count.EqualTo(5), string.Join(", ", dumps));
        Assert.That(dumps, Does.Contain(Path.GetFileName(TodaysDump)), "the first nightly has the plan's name");
        foreach (var reason in new[] { "pre-deploy", "nightly", "rollback-safety", "manual" })
            Assert.That(dumps, Has.Some.Match($@"^tau_tau_run_prod_{DateTime.Now:yyyyMMdd}_\d{{6}}_{reason}\.sql\.gz$"), reason);
        Assert.That(Entries().Count(n => n.EndsWith(".counts")), Is.EqualTo(5), "each with its counts");

        var list = await BackupAsync("--list");
        Assert.That(list.ExitCode, Is.Zero, list.Error);
        var rows = list.Output.Trim().Split('\n');
        Assert.That(rows[0], Is.EqualTo("TAKEN (UTC)\tREASON\tSIZE\tSCHEMA\tFILE"));
        Assert.That(rows.Skip(1).Select(r => r.Split('\t')[1]), Is.EqualTo(new[] { "nightly", "pre-deploy", "nightly", "rollback-safety", "manual" }),
            "oldest first, with the reason from each file's label");
        Assert.That(rows.Skip(1).Select(r => r.Split('\t')[3]), Has.All.EqualTo(Web.Data.SchemaMigrator.LatestVersion.ToString()));
        Assert.That(rows.Skip(1).Select(r => r.Split('\t')[0]), Has.All.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"));
    }

    [Test]
    public async Task A_second_run_while_one_is_running_stops_with_one_line_and_touches_nothing()
    {
        var good = await GoodBackupAsync();
        // The first run, as a held lock: a second backup.sh started meanwhile must not wait or write.
        var second = await Shell.BashAsync(
            $"exec 9>>{backupDirectory}/.backup.lock && flock 9 && bash {Path.Combine(PublishedApp.RepositoryRoot(), "backup.sh")} --reason nightly",
            environment);

        Assert.That(second.ExitCode, Is.Not.Zero);
        Assert.That(second.Error.Trim(), Does.StartWith("backup.sh: error: another backup.sh is already running").And.Not.Contain("\n"));
        Assert.That(Entries(), Has.Length.EqualTo(2));
        Assert.That(await File.ReadAllBytesAsync(TodaysDump), Is.EqualTo(good));
    }

    [Test]
    public async Task A_dump_cut_off_before_its_end_changes_nothing_when_replayed_with_the_plans_command()
    {
        await GoodBackupAsync();
        await ProductionLikeDatabase.ExecuteAsync("UPDATE participants SET club = 'after the dump'");
        var before = await ProductionLikeDatabase.FingerprintAsync();
        // Everything but the last line (COMMIT): as if the disk filled or the copy stopped there.
        var cut = await Shell.BashAsync($"gunzip -c {TodaysDump} | head -n -1 | gzip > {backupDirectory}/cut.sql.gz", environment);
        Assert.That(cut.ExitCode, Is.Zero, cut.Error);

        await Shell.BashAsync(string.Format(PlanRestore, $"{backupDirectory}/cut.sql.gz"), environment);

        Assert.That(await ProductionLikeDatabase.FingerprintAsync(), Is.EqualTo(before), "no COMMIT, no change");
    }
}
