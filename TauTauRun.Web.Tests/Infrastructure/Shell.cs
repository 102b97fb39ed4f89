using System.Diagnostics;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>Runs the repository's scripts and the plan's shell commands as a sysadmin would type them.</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string All => Output + Error;
    }

    /// <summary>A script from the repository (path relative to its root) with its arguments.</summary>
    public static Task<Result> RunScriptAsync(string script, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null) =>
        RunAsync("bash", [Path.Combine(PublishedApp.RepositoryRoot(), script), .. arguments], environment, timeout);

    /// <summary>One command line through bash, pipes and all.</summary>
    public static Task<Result> BashAsync(string commandLine, IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null) =>
        RunAsync("bash", ["-o", "pipefail", "-c", commandLine], environment, timeout);

    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null)
    {
        var start = PublishedApp.StartInfo(fileName, arguments, environment);
        // Only what the test says: no stray libpq settings from the machine running the suite.
        foreach (var name in start.Environment.Keys.Where(k => !environment.ContainsKey(k) &&
                     (k.StartsWith("PG") || k.StartsWith("TAUTAURUN_") || k == "BACKUP_DIR")).ToList())
            start.Environment.Remove(name);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish: {await error}");
        }
        return new Result(process.ExitCode, await output, await error);
    }
}
