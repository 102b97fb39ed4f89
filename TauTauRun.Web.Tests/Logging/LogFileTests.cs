using Microsoft.Extensions.Logging;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Logging;

/// <summary>The log directory's two files, as the runbook reads them, written by the app's own logging.</summary>
public sealed class LogFileTests : DatabaseTest
{
    [Test]
    public async Task Errors_go_to_both_files_and_information_only_to_api_log()
    {
        using var app = new TestApp();
        using var client = app.CreateClient();
        await client.GetAsync("/health");
        var logger = app.Services.GetRequiredService<ILogger<LogFileTests>>();

        logger.LogInformation("an information line {Marker}", "info-7f3a");
        logger.LogError("an error line {Marker}", "error-9c1e");
        await app.DisposeAsync(); // flushes and closes the files

        var all = ReadLog(app, "api.log");
        var errors = ReadLog(app, "api-error.log");
        Assert.That(all, Does.Contain("info-7f3a").And.Contain("error-9c1e"));
        Assert.That(errors, Does.Contain("error-9c1e").And.Not.Contain("info-7f3a"));
    }

    [Test]
    public async Task Each_request_is_one_line_with_method_route_status_and_time_but_no_query_string()
    {
        using var app = new TestApp();
        using var client = app.CreateClient();

        await client.GetAsync("/health?token=s3cr3t-query-value");
        await client.GetAsync("/runner@example.org");
        await app.DisposeAsync();

        var lines = ReadLog(app, "api.log").Split('\n');
        Assert.That(lines.Count(l => l.Contains("HTTP GET /health responded 200 in ")), Is.EqualTo(1));
        Assert.That(lines.Count(l => l.Contains("HTTP GET (no route) responded 404 in ")), Is.EqualTo(1));
        Assert.That(string.Join('\n', lines), Does.Not.Contain("s3cr3t-query-value").And.Not.Contain("runner@example.org"));
    }

    [Test]
    public void Both_files_exist_from_the_start_so_they_can_be_tailed()
    {
        using var app = new TestApp();
        _ = app.Services; // builds the host

        Assert.That(File.Exists(Path.Combine(app.LogDirectory, "api.log")), Is.True);
        Assert.That(File.Exists(Path.Combine(app.LogDirectory, "api-error.log")), Is.True);
        Assert.That(new FileInfo(Path.Combine(app.LogDirectory, "api-error.log")).LinkTarget, Does.Match(@"^api-error-\d{8}\.log$"));
    }

    private static string ReadLog(TestApp app, string name) => File.ReadAllText(Path.Combine(app.LogDirectory, name));
}
