using System.Globalization;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>The plan's retention (daily 7, weekly 4, monthly 12), decided by the dates in the file names.</summary>
public sealed class RetentionTests
{
    [Test]
    public async Task Over_400_nightly_backups_keeps_7_daily_4_weekly_12_monthly_and_the_newest()
    {
        var directory = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "retention", Guid.NewGuid().ToString("N"))).FullName;
        var environment = new Dictionary<string, string> { ["BACKUP_DIR"] = directory };
        var last = new DateOnly(2026, 11, 30);
        var days = Enumerable.Range(0, 400).Select(i => last.AddDays(i - 399)).ToList();

        // A dump every night, retention every fifth night (as if cron missed some: the outcome must not
        // depend on it, and it keeps the test quick). mtimes are all "now": only the names may count.
        foreach (var (day, night) in days.Select((day, night) => (day, night)))
        {
            var dump = Path.Combine(directory, $"tau_tau_run_prod_{day:yyyyMMdd}.sql.gz");
            await File.WriteAllTextAsync(dump, "");
            await File.WriteAllTextAsync(Path.ChangeExtension(Path.ChangeExtension(dump, null), ".counts"), "");
            if (night % 5 != 4)
                continue;
            var prune = await Shell.RunScriptAsync("backup.sh", ["--prune"], environment);
            Assert.That(prune.ExitCode, Is.Zero, $"{day}: {prune.Error}");
        }

        var daily = days.TakeLast(7);
        var weekly = days.GroupBy(d => (ISOWeek.GetYear(d.ToDateTime(TimeOnly.MinValue)), ISOWeek.GetWeekOfYear(d.ToDateTime(TimeOnly.MinValue))))
            .Select(week => week.Max()).Order().TakeLast(4);
        var monthly = days.GroupBy(d => (d.Year, d.Month)).Select(month => month.Max()).Order().TakeLast(12);
        var expected = daily.Union(weekly).Union(monthly).Order().Select(d => $"tau_tau_run_prod_{d:yyyyMMdd}").ToList();
        var kept = Directory.GetFiles(directory, "*.sql.gz").Select(f => Path.GetFileName(f)[..^".sql.gz".Length]).Order().ToList();

        Assert.That(kept, Is.EqualTo(expected));
        Assert.That(kept, Does.Contain($"tau_tau_run_prod_{last:yyyyMMdd}"), "the newest stays");
        Assert.That(monthly.Min(), Is.EqualTo(new DateOnly(2025, 12, 31)), "twelve months back");
        Assert.That(Directory.GetFiles(directory, "*.counts").Select(f => Path.GetFileNameWithoutExtension(f)).Order(), Is.EqualTo(expected),
            "each dump keeps its counts and loses them with it");
    }

    [Test]
    public async Task Never_deletes_the_newest_dump_even_when_it_is_old()
    {
        var directory = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "retention", Guid.NewGuid().ToString("N"))).FullName;
        var dump = Path.Combine(directory, "tau_tau_run_prod_20200101.sql.gz");
        await File.WriteAllTextAsync(dump, "");

        var prune = await Shell.RunScriptAsync("backup.sh", ["--prune"], new Dictionary<string, string> { ["BACKUP_DIR"] = directory });

        Assert.That(prune.ExitCode, Is.Zero, prune.Error);
        Assert.That(File.Exists(dump), Is.True);
    }
}
