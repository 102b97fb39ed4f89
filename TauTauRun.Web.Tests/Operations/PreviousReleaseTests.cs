using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>
/// The expand/contract rule of docs/OPERATIONS.md, with the real previous release: during a rolling
/// deploy the old instances serve on the schema the new release migrated to. The previous release is
/// the commit just before the newest migration file came in (first-parent history, so on main the
/// state before the merge that brought it); its own registration and admin tests run against a
/// database this release migrated, and must pass without it migrating anything.
/// </summary>
[Category("Faults")]
public sealed class PreviousReleaseTests
{
    // The old suite's tests of what reads and writes runners: the lifecycle, the runners' pages and
    // the admin's participant, dashboard, export and audit pages (about 40 s of tests on an idle
    // machine, after a build of about 50 s). Login, settings and the form's field rules are left out:
    // slow and about code, not schema.
    private static readonly string[] Subset =
    [
        "Registration", "Pages.RegisterTests", "Pages.DuplicateRegistrationTests", "Pages.Status", "Pages.IndexTests",
        "Pages.Admin.Participants", "Pages.Admin.DashboardTests", "Pages.Admin.ExportTests", "Pages.Admin.AuditTests",
    ];

    // Tests of the old release that assert a query plan, not behaviour, where this schema changed the
    // index on purpose: migration 87 orders the free-slot index by slot_no + 0, so the old release's
    // form query (ORDER BY slot_no) is answered by the primary key, rightly and more slowly. Remove the
    // name once the previous release is one with migration 87.
    private static readonly string[] PlanAssertionsOfAnOlderIndex =
    [
        "The_registration_form_asks_for_the_lowest_free_slot_by_the_free_slot_index",
    ];

    [Test]
    public async Task The_previous_releases_registration_and_admin_tests_pass_on_the_newest_schema()
    {
        var previous = await PreviousReleaseAsync();
        var checkout = Path.Combine(TestDatabase.TempRoot, "previous-release");
        Directory.CreateDirectory(checkout);
        await MustAsync(Shell.BashAsync($"git -C \"$REPO\" archive {previous} | tar -x -C \"$OUT\"",
            new Dictionary<string, string> { ["REPO"] = PublishedApp.RepositoryRoot(), ["OUT"] = checkout }));

        // The old suite creates its database itself (from template1) on the server TAUTAURUN_TEST_DB
        // names, so a server of its own whose template1 this release has migrated hands it the newest schema.
        var cluster = new LocalCluster(Path.Combine(TestDatabase.TempRoot, "previous-release-pg"), LocalCluster.FreeTcpPort(), TestDatabase.FastSettings);
        cluster.Start();
        try
        {
            using (var migrator = new SchemaMigrator(cluster.ConnectionString("template1")))
                migrator.MigrateUp();
            var run = await Shell.RunAsync("dotnet",
                ["test", Path.Combine(checkout, "TauTauRun.Web.Tests"), "-nologo",
                 "--filter", $"({string.Join('|', Subset.Select(name => $"FullyQualifiedName~TauTauRun.Web.Tests.{name}"))})" +
                             string.Concat(PlanAssertionsOfAnOlderIndex.Select(name => $"&FullyQualifiedName!~{name}"))],
                new Dictionary<string, string> { ["TAUTAURUN_TEST_DB"] = cluster.ConnectionString("postgres") },
                TimeSpan.FromMinutes(10));
            Assert.That(run.ExitCode, Is.Zero, $"the release at {previous} fails on the newest schema:\n{run.All}");
            // A subset that no longer names the old suite's classes would pass by running nothing.
            var passed = Regex.Match(run.Output, @"Passed:\s+(\d+)");
            TestContext.Out.WriteLine($"the release at {previous}: {passed.Groups[1].Value} tests passed on schema version {SchemaMigrator.LatestVersion}");
            Assert.That(passed.Success ? int.Parse(passed.Groups[1].Value) : 0, Is.GreaterThan(30), run.Output);

            await using var connection = new NpgsqlConnection(cluster.ConnectionString("tautaurun_test"));
            Assert.That(await connection.ExecuteScalarAsync<long>("SELECT max(version) FROM version_info"), Is.EqualTo(SchemaMigrator.LatestVersion),
                "the old release ran on the newest schema and left it there");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            cluster.Stop("immediate");
        }
    }

    /// <summary>The parent of the newest commit that added a migration file.</summary>
    private static async Task<string> PreviousReleaseAsync()
    {
        var repository = new Dictionary<string, string> { ["REPO"] = PublishedApp.RepositoryRoot() };
        var newest = (await MustAsync(Shell.BashAsync(
            "git -C \"$REPO\" log --first-parent --diff-filter=A --format=%H -1 -- 'migrations/[0-9]*.cs'", repository))).Trim();
        if (newest == "")
            Assert.Fail("No git history of migrations/ in this checkout: the expand/contract test needs the git clone, not an exported tree.");
        var parent = await Shell.BashAsync($"git -C \"$REPO\" rev-parse --verify --quiet {newest}^1^{{commit}}", repository);
        if (parent.ExitCode != 0)
            Assert.Fail($"The previous release, the parent of {newest} (the newest commit adding a migration), is not in this clone " +
                        "(a shallow clone?): run 'git fetch --unshallow' so the expand/contract test can check it out.");
        return parent.Output.Trim();
    }

    private static async Task<string> MustAsync(Task<Shell.Result> command)
    {
        var result = await command;
        Assert.That(result.ExitCode, Is.Zero, result.All);
        return result.Output;
    }
}
