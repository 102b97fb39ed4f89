using Microsoft.Extensions.Hosting.Systemd;
using Serilog;
using Serilog.Events;

namespace TauTauRun.Web.Logging;

/// <summary>
/// Serilog for the service and the command line alike: <c>api.log</c> (information and up) and
/// <c>api-error.log</c> (errors only) in the log directory, rolled daily, plus the console, which
/// journald reads under systemd. Messages carry no personal data: log ids and counts, never values.
/// </summary>
public static class LogSetup
{
    public const string DirectorySetting = "TauTauRun:LogDirectory";
    private const string FileTemplate =
        "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";
    private const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";
    private const int RetainedDays = 31;

    /// <summary>
    /// A log directory that cannot be written must not stop the service (journald still has every
    /// line), so this only warns; Serilog itself drops file writes it cannot make.
    /// </summary>
    private static void TryCreateTodaysFiles(params CurrentFileLink[] links)
    {
        try
        {
            foreach (var link in links)
                link.CreateTodaysFile();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"tautaurun: cannot write the log directory ({e.Message}); logging to the console only");
        }
    }

    /// <summary>A relative directory is relative to the working directory, like every path an operator types.</summary>
    public static string LogDirectory(IHostApplicationBuilder builder) =>
        Path.GetFullPath(builder.Configuration[DirectorySetting] ?? "/var/log/tautaurun");

    /// <param name="toConsole">The service logs to the console too; CLI commands print their own lines instead.</param>
    public static void AddTauTauRunLogging(this IHostApplicationBuilder builder, bool toConsole)
    {
        var directory = LogDirectory(builder);
        var all = new CurrentFileLink(directory, "api-", "api.log");
        var errors = new CurrentFileLink(directory, "api-error-", "api-error.log");
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            // The framework's own request lines carry full URLs with query strings; ours replace them.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            // Our check logs why it failed and the request line shows the 503; the framework's own
            // line would add a third error per probe during an outage.
            .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Fatal)
            .Enrich.FromLogContext()
            .WriteTo.File(all.PathTemplate, outputTemplate: FileTemplate,
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: RetainedDays, hooks: all)
            .WriteTo.File(errors.PathTemplate, outputTemplate: FileTemplate,
                restrictedToMinimumLevel: LogEventLevel.Error,
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: RetainedDays, hooks: errors);
        TryCreateTodaysFiles(all, errors);
        if (toConsole && SystemdHelpers.IsSystemdService())
            configuration.WriteTo.Console(new JournaldFormatter());
        else if (toConsole)
            configuration.WriteTo.Console(outputTemplate: ConsoleTemplate);

        // The app's services use this instance, not the static one, so two hosts in one process (tests)
        // each keep their own directory; the static one serves start-up and shutdown messages.
        var logger = configuration.CreateLogger();
        Log.Logger = logger;
        builder.Services.AddSingleton<Serilog.ILogger>(logger);
        builder.Services.AddSerilog(logger, dispose: true);
    }
}
