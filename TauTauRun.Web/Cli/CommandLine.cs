using Npgsql;
using Serilog;
using TauTauRun.Web.Development;
using TauTauRun.Web.Email;

namespace TauTauRun.Web.Cli;

/// <summary>
/// <c>dotnet TauTauRun.Web.dll COMMAND [options]</c>: the same configuration and logging as the service.
/// Exit codes: 0 done, 1 failed (one line on stderr says why), 2 the command line itself was wrong.
/// </summary>
public static class CommandLine
{
    private static readonly ICommand[] Commands =
    [
        new MigrateCommand(), new VerifyDbCommand(), new ResendFailedEmailsCommand(), new CreateAdminCommand(),
        new RevokeSessionsCommand(), new RotateKeysCommand(), new SchemaVersionCommand(), new NotifyAdminsCommand(),
        new ResetTwoFactorCommand(),
    ];

    /// <summary>A first word that is not an option (<c>--urls …</c>) names a command.</summary>
    public static bool IsCommand(string[] args) =>
        args.Length > 0 && (!args[0].StartsWith('-') || args[0] is "--help" or "-h");

    public static async Task<int> RunAsync(string[] args)
    {
        var name = args[0];
        if (name is "help" or "--help" or "-h")
        {
            Console.WriteLine(Usage());
            return 0;
        }
        var command = Commands.FirstOrDefault(c => c.Name == name);
        if (command is null)
            return Fail(2, $"unknown command '{name}'. {Usage()}");

        // The command's own words are not configuration: the builder gets no arguments.
        var builder = AppBuilder.Create([], logToConsole: false);
        try
        {
            var run = command.Prepare(args[1..]);
            using var embedded = EmbeddedDatabase.StartIfWanted(builder);
            builder.AddTauTauRunData();
            builder.AddTauTauRunEmail(deliver: false);
            await using var app = builder.Build();
            Log.Information("Command {Command} started", name);
            await run(app.Services, Console.Out);
            Log.Information("Command {Command} finished", name);
            return 0;
        }
        catch (UsageException e)
        {
            return Fail(2, $"{name}: {e.Message}. Usage: {command.Usage}");
        }
        catch (Exception e) when (e is StartupException or CommandFailedException)
        {
            Log.Error("Command {Command} failed: {Problem}", name, e.Message);
            return Fail(1, $"{name}: {e.Message}");
        }
        catch (NpgsqlException e)
        {
            Log.Error("Command {Command} failed: {Problem}", name, e.Message);
            return Fail(1, $"{name}: database error: {e.Message}");
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static string Usage() =>
        "Commands: " + string.Join("; ", Commands.Select(c => c.Usage)) + "; help";

    private static int Fail(int exitCode, string message)
    {
        Console.Error.WriteLine($"tautaurun: {message}");
        return exitCode;
    }
}

/// <summary>
/// One command-line command. Prepare checks its words (throwing <see cref="UsageException"/>) before
/// anything touches the database, and returns the work to run with the app's services.
/// </summary>
internal interface ICommand
{
    string Name { get; }
    string Usage { get; }
    Func<IServiceProvider, TextWriter, Task> Prepare(string[] arguments);
}

/// <summary>The command line was wrong: exit code 2, with the command's usage.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The command could not do its work: exit code 1, with this one line.</summary>
internal sealed class CommandFailedException(string message) : Exception(message);
