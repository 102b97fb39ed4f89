using System.Net;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>
/// PostgreSQL going away under a registration rush, on a cluster of this fixture's own that is as
/// durable as production's (fsync and synchronous commit on), so that a crash loses only what was
/// never acknowledged.
/// </summary>
[Category("Faults")]
[NonParallelizable]
public sealed class DatabaseOutageTests
{
    private static readonly string[] Internals = ["Npgsql", "Exception", "Host=", "Username=", "postgres", "   at "];
    private LocalCluster cluster = null!;
    private string connectionString = "";
    /// <summary>The same database for the test's own queries: unpooled, as every restart kills pooled connections.</summary>
    private string Unpooled => connectionString + ";Pooling=false";

    [OneTimeSetUp]
    public void StartCluster()
    {
        cluster = new LocalCluster(Path.Combine(TestDatabase.TempRoot, "durable-pg"), LocalCluster.FreeTcpPort());
        cluster.Start();
    }

    [OneTimeTearDown]
    public void StopCluster()
    {
        NpgsqlConnection.ClearAllPools();
        cluster.Stop("immediate");
    }

    [SetUp]
    public async Task CreateDatabaseAsync()
    {
        connectionString = await FreshDatabaseAsync();
        using var migrator = new SchemaMigrator(connectionString);
        migrator.MigrateUp();
    }

    [Test]
    public async Task With_the_database_stopped_the_app_answers_a_plain_503_and_serves_again_without_a_restart_once_it_is_back()
    {
        await using var app = await AppProcess.StartAsync(new Dictionary<string, string> { ["ConnectionStrings__Default"] = connectionString });
        var pid = app.Pid;
        var (load, stop, rush) = await StartRushAsync(app);

        cluster.Stop("fast");
        using var client = app.NewClient();
        var page = await client.GetAsync("/register");
        var health = await client.GetAsync("/health");
        await WhenAnsweredAsync(load, HttpStatusCode.ServiceUnavailable);
        cluster.Start();
        await UntilHealthyAsync(client);
        await load.WhenAcknowledgedAsync(load.Acknowledged.Count + 20);
        await stop.CancelAsync();
        await rush;

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var body = await page.Content.ReadAsStringAsync();
        Assert.That(body, Does.Contain("briefly unavailable"));
        Assert.That(Internals.Where(body.Contains), Is.Empty, "the 503 page shows no internals");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(app.Pid, Is.EqualTo(pid), "the same process serves again");
        Assert.That(load.Surprises, Is.Empty, app.ErrorLog());
        Assert.That(await RegistrationInvariants.ViolationsAsync(Unpooled, load.Acknowledged.ToList()), Is.Empty);
    }

    [Test]
    public async Task A_database_crash_mid_rush_loses_no_acknowledged_registration()
    {
        await using var app = await AppProcess.StartAsync(new Dictionary<string, string> { ["ConnectionStrings__Default"] = connectionString });
        var (load, stop, rush) = await StartRushAsync(app);

        cluster.Stop("immediate"); // no checkpoint, no goodbye: what the WAL holds is all there is
        var acknowledgedBeforeCrash = load.Acknowledged.ToList();
        await WhenAnsweredAsync(load, HttpStatusCode.ServiceUnavailable);
        cluster.Start();
        using var client = app.NewClient();
        await UntilHealthyAsync(client);
        await load.WhenAcknowledgedAsync(load.Acknowledged.Count + 20);
        await stop.CancelAsync();
        await rush;

        Assert.That(load.Surprises, Is.Empty, app.ErrorLog());
        Assert.That(await RegistrationInvariants.ViolationsAsync(Unpooled, acknowledgedBeforeCrash), Is.Empty,
            "what was acknowledged before the crash is all there after recovery");
        Assert.That(await RegistrationInvariants.ViolationsAsync(Unpooled, load.Acknowledged.ToList()), Is.Empty);
    }

    /// <summary>Two races and a rush into them, running until a first batch has been acknowledged.</summary>
    private async Task<(RegistrationLoad Load, CancellationTokenSource Stop, Task Rush)> StartRushAsync(AppProcess app)
    {
        await using var connection = new NpgsqlConnection(Unpooled);
        await connection.OpenAsync();
        long[] categories = [await TestData.CategoryAsync(connection, "5K", 40, 1, 999), await TestData.CategoryAsync(connection, "10K", 40, 1000, 1999)];
        var load = new RegistrationLoad(app.NewClient, categories);
        var stop = new CancellationTokenSource();
        var rush = load.RunAsync(runners: 8, expected: code => code == HttpStatusCode.ServiceUnavailable, stop.Token);
        await load.WhenAcknowledgedAsync(20);
        return (load, stop, rush);
    }

    /// <summary>Until the rush has met the fault: at least one runner was told to try again later.</summary>
    private static async Task WhenAnsweredAsync(RegistrationLoad load, HttpStatusCode code)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!load.Answers.ContainsKey((int)code) && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.That(load.Answers.ContainsKey((int)code), $"no runner was answered {(int)code} while the database was away");
    }

    /// <summary>Polls /health as a monitor would, until it is 200 again (or a minute has gone).</summary>
    private static async Task UntilHealthyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while ((await client.GetAsync("/health")).StatusCode != HttpStatusCode.OK)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "/health did not recover within a minute of the database's return");
            await Task.Delay(100);
        }
    }

    private async Task<string> FreshDatabaseAsync()
    {
        var name = "outage_" + Guid.NewGuid().ToString("N")[..8];
        NpgsqlConnection.ClearAllPools(); // the previous test's restarts left dead connections to the server
        await cluster.CreateDatabaseIfMissingAsync(name);
        return cluster.ConnectionString(name);
    }
}
