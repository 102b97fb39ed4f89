namespace TauTauRun.Web.Development;

/// <summary>
/// The run command's database: in Development, with no connection string configured, a private
/// cluster in <c>TauTauRun:LocalClusterDirectory</c> (default <c>.local/postgres</c>) is started and
/// used. Disposing stops it again, unless it was already running before this process came.
/// </summary>
public sealed class EmbeddedDatabase : IDisposable
{
    private const string DatabaseName = "tautaurun_dev";
    private readonly LocalCluster cluster;
    private readonly bool startedHere;

    private EmbeddedDatabase(LocalCluster cluster, bool startedHere)
    {
        this.cluster = cluster;
        this.startedHere = startedHere;
    }

    public static EmbeddedDatabase? StartIfWanted(IHostApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment() || !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Default")))
            return null;
        var directory = Path.GetFullPath(builder.Configuration["TauTauRun:LocalClusterDirectory"] ?? ".local/postgres");
        var cluster = new LocalCluster(directory, port: null);
        var startedHere = cluster.Start();
        cluster.CreateDatabaseIfMissingAsync(DatabaseName).GetAwaiter().GetResult();
        builder.Configuration["ConnectionStrings:Default"] = cluster.ConnectionString(DatabaseName);
        Serilog.Log.Information("Embedded PostgreSQL in {Directory} ({State})", directory, startedHere ? "started" : "already running");
        return new EmbeddedDatabase(cluster, startedHere);
    }

    public void Dispose()
    {
        if (!startedHere)
            return;
        cluster.Stop();
        Serilog.Log.Information("Embedded PostgreSQL stopped");
    }
}
