using System.Diagnostics;
using System.Reflection;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>
/// The app as it ships: published once per run (from this configuration's build, so it is quick) and
/// started as a child process, for the command line and for what only a real process shows. Not
/// ReadyToRun as install.sh publishes it: that compiles for minutes and changes only how fast it starts.
/// </summary>
public static class PublishedApp
{
    private static readonly Lazy<string> Directory = new(Publish);

    public static string Dll => Path.Combine(Directory.Value, "TauTauRun.Web.dll");

    /// <summary>The settings a child process needs: the test database, a log folder of its own and the run's key file.</summary>
    public static Dictionary<string, string> Environment(string logDirectory, string? connectionString = null) => new()
    {
        ["ConnectionStrings__Default"] = connectionString ?? TestDatabase.ConnectionString,
        ["TauTauRun__LogDirectory"] = logDirectory,
        ["TauTauRun__DataProtection__KeyFile"] = TestKeyFile.Path,
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["DOTNET_ENVIRONMENT"] = "Production",
        // The tests' clients speak plain HTTP to the process, where production has nginx's HTTPS in front.
        ["TauTauRun__Admin__SecureCookieOnly"] = "false",
    };

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = TestDatabase.TempRoot,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_") || k.StartsWith("ConnectionStrings")).ToList())
            start.Environment.Remove(name);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        return start;
    }

    /// <summary>Starts the service where it should refuse to start: its exit code and everything it printed (killed after a minute).</summary>
    public static async Task<(int ExitCode, string Output)> StartExpectingExitAsync(IReadOnlyDictionary<string, string> environment)
    {
        using var process = Process.Start(StartInfo("dotnet", [Dll, "--urls", "http://127.0.0.1:0"], environment))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
        return (process.ExitCode, await output + await error);
    }

    /// <summary>Runs <c>dotnet TauTauRun.Web.dll ARGS</c> to completion.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunCommandAsync(
        IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        RunCommandWithInputAsync(environment, null, arguments);

    /// <summary>Runs a command with <paramref name="input"/> on its standard input (then closed).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunCommandWithInputAsync(
        IReadOnlyDictionary<string, string> environment, string? input, params string[] arguments)
    {
        using var process = Process.Start(StartInfo("dotnet", [Dll, .. arguments], environment))!;
        if (input is not null)
            await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private static string Publish()
    {
        var configuration = typeof(PublishedApp).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var output = Path.Combine(TestDatabase.TempRoot, "published");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "publish", Path.Combine(RepositoryRoot(), "TauTauRun.Web"), "--no-build", "-c", configuration, "-o", output },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var log = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish failed: {log.Result}{errors}");
        return output;
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TauTauRun.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("TauTauRun.sln not found above the test binaries");
    }
}
