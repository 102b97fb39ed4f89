using System.Net;
using System.Text.Json;
using TauTauRun.Web.Data;
using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Health;

/// <summary>/health follows the database down and back up, on a cluster of its own that it can stop.</summary>
public sealed class HealthTests
{
    private LocalCluster cluster = null!;
    private TestApp app = null!;

    [OneTimeSetUp]
    public async Task StartClusterAsync()
    {
        cluster = new LocalCluster(Path.Combine(TestDatabase.TempRoot, "health-pgdata"), LocalCluster.FreeTcpPort(), TestDatabase.FastSettings);
        cluster.Start();
        await cluster.CreateDatabaseIfMissingAsync("health");
        using (var migrator = new SchemaMigrator(cluster.ConnectionString("health")))
            migrator.MigrateUp();
        app = new TestApp(cluster.ConnectionString("health"));
    }

    [OneTimeTearDown]
    public void StopCluster()
    {
        app.Dispose();
        cluster.Stop("immediate");
    }

    [Test]
    public async Task Health_is_503_while_the_database_is_down_and_200_again_once_it_is_back()
    {
        using var client = app.CreateClient();
        Assert.That((await client.GetAsync("/health")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        cluster.Stop();
        var down = await client.GetAsync("/health");
        Assert.That(down.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var body = await down.Content.ReadAsStringAsync();
        Assert.That(body, Does.Not.Contain("Host=").And.Not.Contain("Exception").And.Not.Contain(cluster.Port.ToString()));
        Assert.That(Status(body), Is.EqualTo("Unhealthy"));

        cluster.Start();
        Assert.That(await PollUntilOkAsync(client), Is.EqualTo(HttpStatusCode.OK), "health must recover without an app restart");
    }

    [Test]
    public async Task Health_reports_the_schema_version_in_a_small_json_body()
    {
        using var client = app.CreateClient();
        var response = await client.GetAsync("/health");

        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var database = json.RootElement.GetProperty("checks").GetProperty("database");
        Assert.That(database.GetProperty("status").GetString(), Is.EqualTo("Healthy"));
        Assert.That(database.GetProperty("data").GetProperty("schema_version").GetInt64(), Is.EqualTo(SchemaMigrator.LatestVersion));
    }

    private static string? Status(string body) => JsonDocument.Parse(body).RootElement.GetProperty("status").GetString();

    /// <summary>The first probe after a restart may meet a connection from before it; a few seconds is plenty.</summary>
    private static async Task<HttpStatusCode> PollUntilOkAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        do
        {
            status = (await client.GetAsync("/health")).StatusCode;
            if (status == HttpStatusCode.OK)
                break;
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        return status;
    }
}
