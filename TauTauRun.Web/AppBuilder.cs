using Dapper;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Logging;

namespace TauTauRun.Web;

/// <summary>What the service and the command line share: configuration, logging and the database.</summary>
public static class AppBuilder
{
    public static WebApplicationBuilder Create(string[] args, bool logToConsole)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json and wwwroot sit beside the dll, wherever the command is run from. A test
            // host passes its own --contentRoot, which must win.
            ContentRootPath = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))
                ? null
                : AppContext.BaseDirectory,
        });
        builder.AddTauTauRunLogging(logToConsole);
        return builder;
    }

    /// <summary>Registers the data source; call after any embedded database has set the connection string.</summary>
    public static void AddTauTauRunData(this WebApplicationBuilder builder)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        var connectionString = Database.WithDefaults(Database.ConnectionString(builder.Configuration));
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<EventSettingsStore>();
    }
}
