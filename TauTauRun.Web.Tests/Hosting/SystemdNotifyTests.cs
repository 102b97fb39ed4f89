using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Hosting;

/// <summary>
/// The published app tells systemd when it is ready and when it stops. The framework only speaks
/// sd_notify when its parent process is called "systemd", so the app is started through a symlink of
/// that name pointing to bash, with NOTIFY_SOCKET naming a datagram socket this test listens on.
/// </summary>
public sealed class SystemdNotifyTests : DatabaseTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Sends_READY_once_listening_and_STOPPING_on_SIGTERM_then_exits_cleanly()
    {
        var folder = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "notify", Guid.NewGuid().ToString("N"))).FullName;
        var socketPath = Path.Combine(folder, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var fakeSystemd = Path.Combine(folder, "systemd");
        File.CreateSymbolicLink(fakeSystemd, "/bin/bash");
        var port = LocalCluster.FreeTcpPort();
        var environment = PublishedApp.Environment(Path.Combine(folder, "logs"));
        environment["NOTIFY_SOCKET"] = socketPath;

        using var parent = Process.Start(PublishedApp.StartInfo(fakeSystemd,
            ["-c", "dotnet \"$0\" --urls \"$1\"; exit $?", PublishedApp.Dll, $"http://127.0.0.1:{port}"], environment))!;
        var stdout = parent.StandardOutput.ReadToEndAsync();
        var stderr = parent.StandardError.ReadToEndAsync();
        try
        {
            Assert.That(await ReceiveAsync(socket), Is.EqualTo("READY=1"));
            using var client = new HttpClient();
            var health = await client.GetAsync($"http://127.0.0.1:{port}/health");
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "READY=1 must mean the app answers");

            var app = Signals.Children(parent.Id).Single();
            Signals.Send(app, Signals.SigTerm);

            Assert.That(await ReceiveAsync(socket), Is.EqualTo("STOPPING=1"));
            using var timeout = new CancellationTokenSource(Patience);
            await parent.WaitForExitAsync(timeout.Token);
            Assert.That(parent.ExitCode, Is.Zero, await stderr);
            Assert.That(await stdout, Does.Contain("<6>Now listening on"), "journald lines carry a syslog priority");
        }
        finally
        {
            if (!parent.HasExited)
                parent.Kill(entireProcessTree: true);
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Patience);
        var length = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, length).Trim();
    }
}
