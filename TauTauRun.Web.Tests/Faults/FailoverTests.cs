using System.Diagnostics;
using System.Net;
using Dapper;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>
/// Two throwaway clusters on this machine joined by deploy/standby.sh (synchronous streaming
/// replication), and the published app listing both with Target Session Attributes=primary: the
/// primary dies mid-rush, deploy/failover.sh promotes the standby, and the app carries on by itself.
/// </summary>
[Category("Faults")]
[NonParallelizable]
public sealed class FailoverTests
{
    private const string Database = "tautaurun_failover";
    private string root = null!;
    private LocalCluster primary = null!;
    private LocalCluster standby = null!;

    [SetUp]
    public async Task StartClustersAsync()
    {
        root = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "failover-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        primary = new LocalCluster(Path.Combine(root, "primary"), LocalCluster.FreeTcpPort());
        primary.Start();
        await primary.CreateDatabaseIfMissingAsync(Database);
        using (var migrator = new SchemaMigrator(primary.ConnectionString(Database)))
            migrator.MigrateUp();

        await MustAsync(Script(primary, "deploy/standby.sh", "primary"));
        await MustAsync(Script(primary, "deploy/standby.sh", "clone", "--primary", $"{primary.SocketDirectory}:{primary.Port}",
            "--data", Path.Combine(root, "standby")));
        standby = new LocalCluster(Path.Combine(root, "standby"), LocalCluster.FreeTcpPort());
        standby.Start();
        await UntilAsync(primary, "SELECT count(*) = 1 FROM pg_stat_replication WHERE application_name = 'tautaurun_standby' AND state = 'streaming'");
        var guard = await MustAsync(Script(primary, "deploy/standby.sh", "guard", "--once"));
        Assert.That(guard, Does.Contain("commits wait for it (synchronous)"));
    }

    [TearDown]
    public void StopClusters()
    {
        NpgsqlConnection.ClearAllPools();
        standby?.Stop("immediate");
        primary?.Stop("immediate");
    }

    [Test]
    public async Task A_rush_while_the_primary_stops_and_the_standby_is_promoted_loses_no_acknowledged_registration_and_needs_no_restart()
    {
        long category;
        await using (var connection = new NpgsqlConnection(primary.ConnectionString(Database)))
            category = await TestData.CategoryAsync(connection, capacity: 10_000);
        await using var app = await AppProcess.StartAsync(new Dictionary<string, string> { ["ConnectionStrings__Default"] = BothHosts() });
        var load = new RegistrationLoad(() => app.NewClient(), [category]);
        using var stop = new CancellationTokenSource();
        // While no primary answers, the app says 503 and the runner tries again.
        var rush = load.RunAsync(runners: 8, expected: status => status == HttpStatusCode.ServiceUnavailable, stop.Token);

        await load.WhenAcknowledgedAsync(30);
        var clock = Stopwatch.StartNew();
        primary.Stop("immediate");
        var failover = await Script(standby, "deploy/failover.sh", "--standby", $"{standby.SocketDirectory}:{standby.Port}");
        var promoted = clock.Elapsed;
        var atFailover = load.Acknowledged.Count;
        await load.WhenAcknowledgedAsync(atFailover + 1);
        var firstAccepted = clock.Elapsed;
        await load.WhenAcknowledgedAsync(atFailover + 30);
        await stop.CancelAsync();
        await rush;

        TestContext.Out.WriteLine($"promoted after {promoted.TotalSeconds:0.0} s, first registration accepted on the new primary after {firstAccepted.TotalSeconds:0.0} s; " +
                                  $"answers: {string.Join(", ", load.Answers.Select(kv => $"{kv.Key}×{kv.Value}"))}");
        Assert.That(failover.ExitCode, Is.Zero, failover.All);
        Assert.That(failover.Error, Does.Contain("promoted"));
        Assert.That(load.Surprises, Is.Empty, app.ErrorLog());
        Assert.That(await RegistrationInvariants.ViolationsAsync(standby.ConnectionString(Database), load.Acknowledged.ToList()), Is.Empty,
            "every acknowledged registration is on the new primary, once");
        Assert.That((await app.NewClient().GetAsync("/health")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the same process serves");
    }

    [Test]
    public async Task With_the_standby_down_the_guard_stops_commits_waiting_after_its_timeout_and_health_and_metrics_say_so()
    {
        long category;
        await using (var connection = new NpgsqlConnection(primary.ConnectionString(Database)))
            category = await TestData.CategoryAsync(connection, capacity: 10_000);
        await using var app = await AppProcess.StartAsync(new Dictionary<string, string> { ["ConnectionStrings__Default"] = BothHosts() });
        using var client = app.NewClient();
        Assert.That(await client.GetStringAsync("/health"), Does.Contain("the standby streams (sync)"));

        standby.Stop("immediate");
        var clock = Stopwatch.StartNew();
        using var guardStop = new CancellationTokenSource();
        var guard = GuardAsync(guardStop.Token);
        var load = new RegistrationLoad(() => app.NewClient(), [category]);
        await load.RunUntilAcknowledgedAsync(runners: 4, count: 10);
        var accepted = clock.Elapsed;
        var health = await client.GetStringAsync("/health");
        var metrics = await client.GetStringAsync("/metrics");
        await guardStop.CancelAsync();
        var guardOutput = await guard;

        TestContext.Out.WriteLine($"registrations acknowledged again {accepted.TotalSeconds:0.0} s after the standby stopped");
        Assert.That(guardOutput, Does.Contain("commits no longer wait for it"));
        Assert.That(load.Surprises, Is.Empty);
        Assert.That(health, Does.Contain("\"status\":\"Degraded\"").And.Contain("registrations are on the primary only"));
        Assert.That(metrics, Does.Contain("tautaurun_standby_sync_connected 0").And.Contain("tautaurun_standby_sync_required 0"));
        Assert.That(await RegistrationInvariants.ViolationsAsync(primary.ConnectionString(Database), load.Acknowledged.ToList()), Is.Empty);
    }

    /// <summary>deploy/standby.sh guard with a 3 s timeout until cancelled; returns what it printed.</summary>
    private async Task<string> GuardAsync(CancellationToken stop)
    {
        var start = PublishedApp.StartInfo("bash", [Path.Combine(PublishedApp.RepositoryRoot(), "deploy/standby.sh"), "guard", "--timeout", "3"], Environment(primary));
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
        }
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(CancellationToken.None);
        return await error;
    }

    private string BothHosts() => new NpgsqlConnectionStringBuilder
    {
        Host = $"{primary.SocketDirectory}:{primary.Port},{standby.SocketDirectory}:{standby.Port}",
        Database = Database,
        Username = "postgres",
        TargetSessionAttributes = "primary",
        HostRecheckSeconds = 2,
    }.ConnectionString;

    private static Dictionary<string, string> Environment(LocalCluster cluster) => new()
    {
        ["PGHOST"] = cluster.SocketDirectory,
        ["PGPORT"] = cluster.Port.ToString(),
        ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    };

    private static Task<Shell.Result> Script(LocalCluster cluster, string script, params string[] arguments) =>
        Shell.RunScriptAsync(script, arguments, Environment(cluster));

    private static async Task<string> MustAsync(Task<Shell.Result> running)
    {
        var result = await running;
        Assert.That(result.ExitCode, Is.Zero, result.All);
        return result.All;
    }

    private static async Task UntilAsync(LocalCluster cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres"));
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await connection.ExecuteScalarAsync<bool>(sql))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"still not true after 60 s: {sql}");
            await Task.Delay(100);
        }
    }
}
