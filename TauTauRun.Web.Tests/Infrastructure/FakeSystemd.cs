using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using TauTauRun.Web.Development;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>
/// The published app started as systemd would start it, for its sd_notify messages. The framework only
/// speaks sd_notify when its parent process is called "systemd", so the app is started through a
/// symlink of that name pointing to bash, with NOTIFY_SOCKET naming a datagram socket we listen on.
/// </summary>
public sealed class FakeSystemd : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly Socket socket;

    private FakeSystemd(Socket socket, Process parent, int port)
    {
        this.socket = socket;
        Parent = parent;
        Port = port;
        Output = parent.StandardOutput.ReadToEndAsync();
        Error = parent.StandardError.ReadToEndAsync();
    }

    /// <summary>The fake systemd (bash); the app is its only child.</summary>
    public Process Parent { get; }
    public int Port { get; }
    public Task<string> Output { get; }
    public Task<string> Error { get; }

    /// <param name="extraEnvironment">e.g. WATCHDOG_USEC, or another connection string.</param>
    public static FakeSystemd Start(IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var folder = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "notify", Guid.NewGuid().ToString("N"))).FullName;
        var environment = PublishedApp.Environment(Path.Combine(folder, "logs"));
        foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
            environment[name] = value;
        return Start(folder, LocalCluster.FreeTcpPort(), environment);
    }

    /// <summary>
    /// Starts the app with exactly <paramref name="environment"/> on <paramref name="port"/>, its notify
    /// socket and fake systemd in <paramref name="folder"/>; a restart passes the same folder and port.
    /// </summary>
    public static FakeSystemd Start(string folder, int port, IReadOnlyDictionary<string, string> environment)
    {
        var socketPath = Path.Combine(folder, "notify.sock");
        File.Delete(socketPath); // left by the previous run of this folder
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var fakeSystemd = Path.Combine(folder, "systemd");
        if (!File.Exists(fakeSystemd))
            File.CreateSymbolicLink(fakeSystemd, "/bin/bash");
        var withSocket = new Dictionary<string, string>(environment) { ["NOTIFY_SOCKET"] = socketPath };

        var parent = Process.Start(PublishedApp.StartInfo(fakeSystemd,
            ["-c", "dotnet \"$0\" --urls \"$1\"; exit $?", PublishedApp.Dll, $"http://127.0.0.1:{port}"], withSocket))!;
        return new FakeSystemd(socket, parent, port);
    }

    /// <summary>The next datagram, or a TimeoutException (OperationCanceledException) after <paramref name="within"/>.</summary>
    public async Task<string> ReceiveAsync(TimeSpan? within = null)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(within ?? Patience);
        var length = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, length).Trim();
    }

    public int App => Signals.Children(Parent.Id).Single();

    public async Task WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await Parent.WaitForExitAsync(timeout.Token);
    }

    public void Dispose()
    {
        if (!Parent.HasExited)
            Parent.Kill(entireProcessTree: true);
        Parent.Dispose();
        socket.Dispose();
    }
}
