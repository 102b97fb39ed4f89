using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace TauTauRun.Web.Development;

/// <summary>
/// A private PostgreSQL cluster run from the system's binaries: the run command's embedded database
/// and the test suite's throwaway one. PostgreSQL refuses to run as root, so as root every server
/// command runs as the <c>postgres</c> user and the folders are handed to it.
/// </summary>
public sealed class LocalCluster
{
    public const string DefaultBinDirectory = "/usr/lib/postgresql/15/bin";

    private readonly string binDirectory;
    private readonly IReadOnlyDictionary<string, string> settings;

    /// <param name="dataDirectory">Created by initdb when it holds no cluster yet.</param>
    /// <param name="port">A TCP port on 127.0.0.1, or null for a Unix socket only.</param>
    /// <param name="settings">Extra server settings (<c>-c name=value</c>), e.g. fsync.</param>
    public LocalCluster(string dataDirectory, int? port, IReadOnlyDictionary<string, string>? settings = null)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        Port = port ?? 5432;
        ListensOnTcp = port is not null;
        this.settings = settings ?? new Dictionary<string, string>();
        binDirectory = Environment.GetEnvironmentVariable("TAUTAURUN_PG_BIN") ?? DefaultBinDirectory;
        // Socket paths are limited to about 100 bytes, so the socket lives in a short folder of its own.
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(DataDirectory)))[..12];
        SocketDirectory = Path.Combine(Path.GetTempPath(), $"tautaurun-pg-{hash.ToLowerInvariant()}");
    }

    public string DataDirectory { get; }
    public string SocketDirectory { get; }
    public int Port { get; }
    public bool ListensOnTcp { get; }
    private string LogFile => Path.Combine(DataDirectory, "server.log");
    private static bool RunningAsRoot => Environment.UserName == "root";

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = ListensOnTcp ? "127.0.0.1" : SocketDirectory,
        Port = Port,
        Database = database,
        Username = "postgres",
    }.ConnectionString;

    public bool IsRunning() => Run("pg_ctl", ["status", "-D", DataDirectory], allowFailure: true) == 0;

    /// <summary>Initialises the cluster if needed and starts it unless it already runs. Returns true if this call started it.</summary>
    public bool Start()
    {
        if (!File.Exists(Path.Combine(binDirectory, "postgres")))
            throw new StartupException(
                $"PostgreSQL server binaries not found in {binDirectory}: install them with 'apt-get install postgresql-15' (or set TAUTAURUN_PG_BIN)");
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
            Initialise();
        Directory.CreateDirectory(SocketDirectory);
        HandToPostgres(SocketDirectory);
        if (IsRunning())
            return false;

        var options = new List<string>
        {
            $"-c listen_addresses={(ListensOnTcp ? "127.0.0.1" : "''")}",
            $"-c port={Port}",
            $"-c unix_socket_directories={SocketDirectory}",
        };
        options.AddRange(settings.Select(s => $"-c {s.Key}={s.Value}"));
        // -l sends the server's output to a file; without it the server keeps our stdout pipe open.
        Run("pg_ctl", ["start", "-w", "-t", "60", "-D", DataDirectory, "-l", LogFile, "-o", string.Join(' ', options)]);
        return true;
    }

    /// <param name="mode">smart, fast or immediate (a crash, as after a power cut).</param>
    public void Stop(string mode = "fast")
    {
        Run("pg_ctl", ["stop", "-w", "-t", "60", "-D", DataDirectory, "-m", mode], allowFailure: true);
        // The socket folder is ours and empty once the server is gone; Start makes it again.
        if (Directory.Exists(SocketDirectory) && !Directory.EnumerateFileSystemEntries(SocketDirectory).Any())
            Directory.Delete(SocketDirectory);
    }

    public async Task CreateDatabaseIfMissingAsync(string database)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
        {
            Parameters = { new() { Value = database } },
        };
        if (await exists.ExecuteScalarAsync() is not null)
            return;
        var quoted = new NpgsqlCommandBuilder().QuoteIdentifier(database);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        await create.ExecuteNonQueryAsync();
    }

    private void Initialise()
    {
        Directory.CreateDirectory(DataDirectory);
        HandToPostgres(DataDirectory);
        Run("initdb", ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"]);
    }

    private static void HandToPostgres(string directory)
    {
        if (RunningAsRoot)
            RunProcess("chown", ["-R", "postgres:postgres", directory], allowFailure: false);
    }

    private int Run(string tool, IEnumerable<string> arguments, bool allowFailure = false)
    {
        var path = Path.Combine(binDirectory, tool);
        return RunningAsRoot
            ? RunProcess("runuser", ["-u", "postgres", "--", path, .. arguments], allowFailure)
            : RunProcess(path, arguments, allowFailure);
    }

    private static int RunProcess(string fileName, IEnumerable<string> arguments, bool allowFailure)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new StartupException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && !allowFailure)
            throw new StartupException(
                $"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)} failed with exit code {process.ExitCode}: {stderr.Trim()} {stdout.Result.Trim()}");
        return process.ExitCode;
    }
}
