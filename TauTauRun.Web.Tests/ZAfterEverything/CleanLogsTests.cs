using System.Text.RegularExpressions;
using TauTauRun.Web.Tests.Infrastructure;

// NUnit runs namespaces in name order (it has no global ordering), so this one comes after all the
// others and reads everything the suite's app processes and in-process apps have written.
namespace TauTauRun.Web.Tests.ZAfterEverything;

/// <summary>
/// After the whole suite: no log file and no console output of the app holds personal data, a password,
/// a status link's secret or a connection string, whatever the tests (faults, fuzzing included) sent it.
/// </summary>
public sealed partial class CleanLogsTests
{
    private static readonly string[] PasswordsTestsUse =
    [
        AdminSession.TestPassword, "a-long-enough-password", "a long enough password", "not the password",
        "smoke test password 42", "wrong-9d2e-password", "guess-4f8c-password", "tautaurun-demo",
    ];

    private static readonly string[] PhonesTestsUse = ["+31 6 1234 5678", "+31612345678", "06-87654321", "0687654321", "+31687654321", "06 1234 5678"];

    [Test]
    public void No_log_or_console_output_of_the_run_holds_personal_data_secrets_or_connection_strings()
    {
        var files = LogFiles().ToList();
        var findings = files.SelectMany(file => Findings(file, File.ReadAllText(file))).ToList();

        Assert.That(files, Has.Count.GreaterThan(0), "the suite's app logs should be here to read");
        Assert.That(findings, Is.Empty);
    }

    [Test]
    public void The_scan_finds_each_kind_of_secret_it_looks_for()
    {
        var planted = $"to anna@runners.test {PhonesTestsUse[0]} {AdminSession.TestPassword} /status/{new string('x', 43)} {TestDatabase.ConnectionString}";

        Assert.That(Findings("planted", planted).Select(f => f.Split(": ")[1].Split(" (")[0]),
            Is.EquivalentTo(new[] { "an email address", "a phone number", "a password", "a status link token", "a connection string" }));
    }

    /// <summary>The app's own logs (api*.log) and the console output of every app process, not PostgreSQL's.</summary>
    private static IEnumerable<string> LogFiles() =>
        Directory.EnumerateFiles(TestDatabase.TempRoot, "api*.log", SearchOption.AllDirectories)
            .Concat(Directory.Exists(AppProcess.ConsoleFolder) ? Directory.EnumerateFiles(AppProcess.ConsoleFolder) : []);

    private static IEnumerable<string> Findings(string file, string text)
    {
        if (EmailAddress().Match(text) is { Success: true } email)
            yield return $"{file}: an email address ({email.Value})";
        if (PhonesTestsUse.FirstOrDefault(text.Contains) is { } phone)
            yield return $"{file}: a phone number ({phone})";
        if (PasswordsTestsUse.FirstOrDefault(text.Contains) is { } password)
            yield return $"{file}: a password ({password})";
        if (StatusToken().Match(text) is { Success: true } token)
            yield return $"{file}: a status link token ({token.Value})";
        if (ConnectionString().Match(text) is { Success: true } connection)
            yield return $"{file}: a connection string ({connection.Value})";
        else if (text.Contains(TestDatabase.ConnectionString))
            yield return $"{file}: a connection string (the test database's)";
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")]
    private static partial Regex EmailAddress();

    /// <summary>A status link with its secret (the request log shows the route pattern, <c>/status/{token}</c>).</summary>
    [GeneratedRegex(@"/status/[A-Za-z0-9_-]{20,}")]
    private static partial Regex StatusToken();

    /// <summary>
    /// One the tests used (every test server listens on 127.0.0.1), or any with a password. The app's
    /// "not set" message shows an example with a socket path and no password, which is fine.
    /// </summary>
    [GeneratedRegex(@"\b((Host|Server)\s*=\s*127\.0\.0\.1|Password\s*=)", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionString();
}
