using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace TauTauRun.Bench;

/// <summary>
/// Time from process start to READY=1, as systemd sees it: the app is started through a symlink named
/// "systemd" pointing to bash (the framework only speaks sd_notify when its parent is called systemd)
/// with NOTIFY_SOCKET naming a datagram socket this tool listens on. After READY=1 it waits --settle-ms
/// (default 1000), reads the resident memory, then kills the app.
/// Options: --dll PATH (required), --work DIR (required), --port P. The app inherits this environment.
/// Prints "ready_ms X" and "idle_rss_mb Y".
/// </summary>
public static class StartupTime
{
    public static async Task<int> RunAsync(Options options)
    {
        var dll = options.Required("dll");
        var folder = Directory.CreateDirectory(Path.Combine(options.Required("work"), Guid.NewGuid().ToString("N")[..8])).FullName;
        var socketPath = Path.Combine(folder, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var fakeSystemd = Path.Combine(folder, "systemd");
        File.CreateSymbolicLink(fakeSystemd, "/bin/bash");
        var port = options.Optional("port") ?? FreePort.Next().ToString(CultureInfo.InvariantCulture);

        var start = new ProcessStartInfo(fakeSystemd)
        {
            ArgumentList = { "-c", "dotnet \"$0\" --urls \"$1\"; exit $?", dll, $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NOTIFY_SOCKET"] = socketPath;
        var started = Stopwatch.GetTimestamp();
        using var parent = Process.Start(start)!;
        var output = parent.StandardOutput.ReadToEndAsync();
        var errors = parent.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var length = await socket.ReceiveAsync(buffer, SocketFlags.None, patience.Token);
                if (Encoding.UTF8.GetString(buffer, 0, length).Split('\n').Contains("READY=1"))
                    break;
            }
        }
        catch (OperationCanceledException)
        {
            parent.Kill(entireProcessTree: true);
            Console.Error.WriteLine($"startup: no READY=1 within 60 s from {dll}\n{await output}\n{await errors}");
            return 1;
        }
        var readyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await Task.Delay(options.Int("settle-ms", 1000));
        var app = ProcessStats.WithChildren(parent.Id).Skip(1).Single();
        var rss = ProcessStats.MemoryMb(app, "VmRSS");
        parent.Kill(entireProcessTree: true); // only the start is measured; how it stops does not matter here
        await parent.WaitForExitAsync();
        Console.WriteLine(FormattableString.Invariant($"ready_ms {readyMs:0.0}"));
        Console.WriteLine(FormattableString.Invariant($"idle_rss_mb {rss:0.0}"));
        return 0;
    }
}
