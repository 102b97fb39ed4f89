using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Admin;

/// <summary>
/// The key ring in the database is encrypted with the key file, so a copy of the database without that
/// file cannot mint an admin cookie or a form token, and an app given another file says so and stops.
/// </summary>
public sealed class DataProtectionKeyFileTests : DatabaseTest
{
    [SetUp]
    public async Task MakeAKeyAsync()
    {
        using var app = new TestApp();
        using var client = app.CreateClient();
        // The login form's antiforgery token needs a key: the first request makes one.
        Assert.That((await client.GetAsync("/admin/login")).IsSuccessStatusCode, Is.True);
    }

    [Test]
    public async Task The_stored_key_xml_holds_the_key_only_encrypted()
    {
        await using var connection = await OpenAsync();
        var xml = (await connection.QueryAsync<string>("SELECT xml FROM data_protection_keys")).ToList();

        Assert.That(xml, Is.Not.Empty);
        Assert.That(xml, Has.All.Contain("<encryptedSecret").And.All.Contain("EncryptedData"));
        Assert.That(xml, Has.None.Contain("<value>"), "no key material in the clear");
    }

    [Test]
    public async Task An_app_given_the_database_but_another_key_file_stops_at_start_saying_why_and_adds_no_key()
    {
        var keys = await KeyCountAsync();

        var (exitCode, output) = await StartAsync(TestKeyFile.New("other.pem"));

        Assert.That(exitCode, Is.EqualTo(1));
        // The last line says what to do (the framework has logged its own decryption error before it).
        Assert.That(output.TrimEnd().Split('\n')[^1], Does.Contain("cannot be decrypted with this key file").And.Contain("rotate-keys"));
        Assert.That(await KeyCountAsync(), Is.EqualTo(keys));
    }

    [Test]
    public async Task A_key_file_that_cannot_be_read_stops_the_start_naming_it()
    {
        var (exitCode, output) = await StartAsync("/nonexistent/data-protection.pem");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("Cannot read the Data Protection key file /nonexistent/data-protection.pem"));
    }

    private static async Task<long> KeyCountAsync()
    {
        await using var connection = await OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM data_protection_keys");
    }

    private static Task<(int ExitCode, string Output)> StartAsync(string keyFile)
    {
        var environment = PublishedApp.Environment(Path.Combine(TestDatabase.TempRoot, "logs", Guid.NewGuid().ToString("N")));
        environment["TauTauRun__DataProtection__KeyFile"] = keyFile;
        return PublishedApp.StartExpectingExitAsync(environment);
    }
}
