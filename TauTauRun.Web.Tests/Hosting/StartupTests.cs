using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Hosting;

/// <summary>A service that cannot start says why in one line naming the setting, never with a stack trace.</summary>
public sealed class StartupTests
{
    [TestCase("", "ConnectionStrings__Default is not set")]
    [TestCase("Hots=localhost;Database=x", "ConnectionStrings__Default is not a valid connection string")]
    public async Task A_missing_or_malformed_connection_string_stops_the_start_with_one_line(string connectionString, string message)
    {
        var (exitCode, output) = await StartAsync(connectionString);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain(message));
        Assert.That(output, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public async Task A_database_that_does_not_exist_stops_the_start_naming_the_setting_but_not_the_password()
    {
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(TestDatabase.ConnectionString)
        {
            Database = "no_such_database",
            Password = "pw-must-not-show",
        }.ConnectionString;

        var (exitCode, output) = await StartAsync(connectionString);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("ConnectionStrings__Default is wrong").And.Contain("no_such_database"));
        Assert.That(output, Does.Not.Contain("pw-must-not-show").And.Not.Contain("   at "));
    }

    [TestCase("http://register.example.org", "TauTauRun__PublicBaseUrl 'http://register.example.org' must start with https://")]
    [TestCase("ftp://register.example.org", "must start with https://")]
    public async Task A_public_address_without_https_stops_the_start_with_one_line(string publicBaseUrl, string message)
    {
        var (exitCode, output) = await StartAsync(TestDatabase.ConnectionString, new() { ["TauTauRun__PublicBaseUrl"] = publicBaseUrl });

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain(message).And.Not.Contain("   at "));
    }

    [Test]
    public async Task Smtp_authentication_without_tls_stops_the_start_with_one_line()
    {
        var (exitCode, output) = await StartAsync(TestDatabase.ConnectionString, new()
        {
            ["SMTP_HOST"] = "127.0.0.1", ["SMTP_FROM"] = "Race <race@example.org>", ["SMTP_USERNAME"] = "race",
            ["SMTP_PASSWORD"] = "smtp-pw-must-not-show", ["SMTP_SECURITY"] = "none",
        });

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("SMTP_USERNAME is set but SMTP_SECURITY is 'none'"));
        Assert.That(output, Does.Not.Contain("smtp-pw-must-not-show").And.Not.Contain("   at "));
    }

    private static Task<(int ExitCode, string Output)> StartAsync(string connectionString, Dictionary<string, string>? settings = null)
    {
        var environment = PublishedApp.Environment(Path.Combine(TestDatabase.TempRoot, "logs", Guid.NewGuid().ToString("N")), connectionString);
        foreach (var (key, value) in settings ?? [])
            environment[key] = value;
        return PublishedApp.StartExpectingExitAsync(environment);
    }
}
