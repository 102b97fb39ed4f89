using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>Every shell script in the repository passes Debian's shellcheck.</summary>
public sealed class ShellcheckTests
{
    private static IEnumerable<string> Scripts()
    {
        var root = PublishedApp.RepositoryRoot();
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(path => !path.Contains("/bin/") && !path.Contains("/obj/") && !path.Contains("/.local/") && !path.Contains("/.git/"))
            .Where(path => path.EndsWith(".sh") || IsBashScript(path))
            .Select(path => Path.GetRelativePath(root, path))
            .Order();
    }

    private static bool IsBashScript(string path)
    {
        using var reader = new StreamReader(path);
        return reader.ReadLine() is { } first && first.StartsWith("#!") && first.Contains("bash");
    }

    [Test]
    public void Finds_the_scripts() =>
        Assert.That(Scripts(), Does.Contain("backup.sh").And.Contain(".ci/run").And.Contain("scripts/test.sh"));

    [TestCaseSource(nameof(Scripts))]
    public async Task Passes_shellcheck(string script)
    {
        if (!File.Exists("/usr/bin/shellcheck"))
            Assert.Fail("shellcheck is missing: scripts/test.sh installs it (apt-get install shellcheck)");
        var root = PublishedApp.RepositoryRoot();
        var result = await Shell.RunAsync("shellcheck", ["-x", "-P", root, Path.Combine(root, script)], new Dictionary<string, string>());
        Assert.That(result.ExitCode, Is.Zero, result.Output + result.Error);
    }
}
