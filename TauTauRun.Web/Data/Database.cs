using Npgsql;

namespace TauTauRun.Web.Data;

/// <summary>Reads and checks <c>ConnectionStrings__Default</c> and opens the app's one data source.</summary>
public static class Database
{
    public const string Setting = "ConnectionStrings__Default";

    /// <summary>The configured connection string, or a <see cref="StartupException"/> naming the setting.</summary>
    public static string ConnectionString(IConfiguration configuration)
    {
        var value = configuration.GetConnectionString("Default");
        if (string.IsNullOrWhiteSpace(value))
            throw new StartupException(
                $"{Setting} is not set: give it a PostgreSQL connection string, e.g. 'Host=/var/run/postgresql;Database=tau_tau_run_prod;Username=tautaurun' in /etc/tautaurun/tautaurun.env");
        try
        {
            _ = new NpgsqlConnectionStringBuilder(value);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            // The parser's message names the keyword at fault but never the rest of the string.
            throw new StartupException($"{Setting} is not a valid connection string: {e.Message}");
        }
        return value;
    }

    /// <summary>
    /// Defaults for the service's pool, each unless the connection string sets it. Npgsql's default pool
    /// (100) equals PostgreSQL's default max_connections, so under a rush the server refuses connections
    /// instead of the pool queueing requests: one instance keeps to 40, leaving room for a second
    /// instance and for operators. Statements run often are prepared (Max Auto Prepare): planning the
    /// registration's statement cost the database more than running it (bench scenario 1). And a
    /// connection going back to the pool is not reset with DISCARD ALL, which would also drop those
    /// prepared statements: the app keeps no session state (no SET, no temporary tables, advisory locks
    /// only for a transaction), so there is nothing to reset.
    /// </summary>
    public static string WithDefaults(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Sets(params string[] names) => names.Any(given.ContainsKey);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Sets("Maximum Pool Size", "Max Pool Size", "MaxPoolSize"))
            builder.MaxPoolSize = 40;
        if (!Sets("Max Auto Prepare", "MaxAutoPrepare"))
            builder.MaxAutoPrepare = 50;
        if (!Sets("No Reset On Close", "NoResetOnClose"))
            builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }

    /// <summary>
    /// Where the connection string points, for messages: host, port and database, never credentials.
    /// </summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"database '{builder.Database}' on {builder.Host}:{builder.Port}";
    }

    /// <summary>
    /// Tries the database once at start-up. A database that is down is not fatal (health reports it
    /// and the app recovers when it returns); one that refuses these credentials or does not exist is a
    /// configuration error that no restart will fix, so it stops the start with one clear line.
    /// </summary>
    public static async Task ProbeAsync(NpgsqlDataSource dataSource, string connectionString, ILogger logger)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync();
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidPassword
                                            or PostgresErrorCodes.InvalidAuthorizationSpecification
                                            or PostgresErrorCodes.InvalidCatalogName)
        {
            throw new StartupException($"{Setting} is wrong: {Describe(connectionString)} answered '{e.MessageText}'");
        }
        catch (NpgsqlException e)
        {
            logger.LogWarning("The database is not reachable yet ({Reason}); /health reports 503 until it is", e.Message);
        }
    }
}
