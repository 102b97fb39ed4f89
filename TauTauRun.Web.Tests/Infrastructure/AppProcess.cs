using System.Net;
using System.Net.Sockets;
using TauTauRun.Web.Development;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>
/// The published app run as the service runs: a child process with its own port, log folder and notify
/// socket, started through a fake systemd so that READY=1 says when it serves. It can be killed, stopped
/// and started again on the same port with the same settings, and several can share one database.
/// Everything it printed is kept in <see cref="ConsoleFolder"/> for the clean-logs check.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string folder;
    private readonly Dictionary<string, string> environment;
    private FakeSystemd? running;
    private int runs;

    private AppProcess(string folder, Dictionary<string, string> environment)
    {
        this.folder = folder;
        this.environment = environment;
    }

    public int Port { get; } = LocalCluster.FreeTcpPort();
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");
    public string LogDirectory => Path.Combine(folder, "logs");
    /// <summary>Where every app process of the run leaves its console output (what journald would get).</summary>
    public static string ConsoleFolder => Path.Combine(TestDatabase.TempRoot, "console");
    /// <summary>The app's process id while it runs.</summary>
    public int Pid => running?.App ?? throw new InvalidOperationException("the app is not running");

    /// <summary>The last errors the app logged (api-error.log), to explain a failed assertion.</summary>
    public string ErrorLog()
    {
        var path = Path.Combine(LogDirectory, "api-error.log");
        // Shared read: the app may still be writing to it.
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        var log = reader.ReadToEnd();
        return "the app's last errors:\n" + log[Math.Max(0, log.Length - 4000)..];
    }

    /// <summary>Starts the app and waits for READY=1.</summary>
    /// <param name="settings">Environment variables over the defaults: the test database, a high runner
    /// rate limit, mail to a pickup folder of its own and no background expiry sweep.</param>
    public static async Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var folder = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "apps", Guid.NewGuid().ToString("N"))).FullName;
        var environment = PublishedApp.Environment(Path.Combine(folder, "logs"));
        environment["TauTauRun__MailPickupDirectory"] = Path.Combine(folder, "mail");
        environment["RateLimits__RunnerPostsPerMinute"] = "1000000";
        environment["Jobs__PaymentExpiry"] = "false";
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            environment[name] = value;
        var app = new AppProcess(folder, environment);
        await app.StartAsync();
        return app;
    }

    /// <summary>Starts the app again (after a kill or a stop) and waits for READY=1.</summary>
    public async Task StartAsync()
    {
        if (running is not null)
            throw new InvalidOperationException("the app is already running");
        running = FakeSystemd.Start(folder, Port, environment);
        runs++;
        string message;
        try
        {
            message = await running.ReceiveAsync(Patience);
        }
        catch (OperationCanceledException)
        {
            message = "nothing";
        }
        if (message != "READY=1")
        {
            var (_, output) = await CollectAsync();
            throw new InvalidOperationException($"the app sent {message} instead of READY=1:\n{output}");
        }
    }

    /// <summary>SIGKILL: no shutdown of any kind, as when the machine loses power or the OOM killer strikes.</summary>
    public async Task KillAsync()
    {
        Signals.Send(Pid, Signals.SigKill);
        await CollectAsync();
    }

    /// <summary>SIGTERM, as <c>systemctl stop</c> sends; returns the exit code once the app has exited.</summary>
    public async Task<int> StopAsync()
    {
        Signals.Send(Pid, Signals.SigTerm);
        return (await CollectAsync()).ExitCode;
    }

    /// <summary>A browser-like client: its own cookies, redirects shown rather than followed.</summary>
    public HttpClient NewClient() => NewClient(new CookieContainer());

    /// <summary>
    /// A client with <paramref name="cookies"/> that another client shares (cookies ignore the port, so
    /// one browser's cookies reach every instance), connecting from <paramref name="source"/> when given:
    /// all of 127.0.0.0/8 is this machine, so tests can be many "addresses" to the per-address limits.
    /// </summary>
    public HttpClient NewClient(CookieContainer cookies, IPAddress? source = null) => new(new SocketsHttpHandler
    {
        CookieContainer = cookies,
        AllowAutoRedirect = false,
        UseProxy = false,
        ConnectCallback = source is null ? null : async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Waits for the exit of the current run and keeps what it printed.</summary>
    private async Task<(int ExitCode, string Output)> CollectAsync()
    {
        var process = running!;
        running = null;
        using (var timeout = new CancellationTokenSource(Patience))
            await process.Parent.WaitForExitAsync(timeout.Token);
        var output = await process.Output + await process.Error;
        Directory.CreateDirectory(ConsoleFolder);
        await File.WriteAllTextAsync(Path.Combine(ConsoleFolder, $"{Path.GetFileName(folder)}-{runs}.txt"), output);
        var exitCode = process.Parent.ExitCode;
        process.Dispose();
        return (exitCode, output);
    }

    public async ValueTask DisposeAsync()
    {
        if (running is not null)
            await KillAsync();
    }
}
