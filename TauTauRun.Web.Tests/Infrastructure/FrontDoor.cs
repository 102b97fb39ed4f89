using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>
/// A real nginx (/usr/sbin/nginx) with a prefix of its own, free ports and the project's site
/// (deploy/nginx/tautaurun.conf), filled in, with its upstream and a self-signed certificate, by the
/// same functions install.sh uses (deploy/lib/nginx.sh, deploy/lib/instances.sh). Clients reach it as
/// https://tautaurun.test:PORT, from any loopback address, so it sees many different runners.
/// </summary>
public sealed class FrontDoor : IAsyncDisposable
{
    public const string Domain = "tautaurun.test";
    private const string Nginx = "/usr/sbin/nginx";
    private readonly string prefix;

    private FrontDoor(string prefix)
    {
        this.prefix = prefix;
    }

    public int HttpPort { get; } = Web.Development.LocalCluster.FreeTcpPort();
    public int HttpsPort { get; } = Web.Development.LocalCluster.FreeTcpPort();
    public Uri HttpsAddress => new($"https://{Domain}:{HttpsPort}");
    public Uri HttpAddress => new($"http://{Domain}:{HttpPort}");
    public string Upstream => Path.Combine(prefix, "conf", "upstream.conf");

    /// <summary>What deploy/instances.sh needs to drive this nginx instead of the system's.</summary>
    public Dictionary<string, string> ScriptEnvironment => new()
    {
        ["TAUTAURUN_UPSTREAM"] = Upstream,
        ["TAUTAURUN_NGINX_PID"] = Path.Combine(prefix, "nginx.pid"),
        ["TAUTAURUN_NGINX_RELOAD_CMD"] = $"{Nginx} -q -p {prefix} -c {prefix}/nginx.conf -s reload",
        ["TAUTAURUN_NGINX_CONF"] = Path.Combine(prefix, "conf"),
        ["TAUTAURUN_ACME_ROOT"] = Path.Combine(prefix, "acme"),
        ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    };

    public static async Task<FrontDoor> StartAsync(IEnumerable<int> appPorts)
    {
        if (!File.Exists(Nginx))
            Assert.Fail("nginx is missing: scripts/test.sh installs it (apt-get install nginx)");
        var prefix = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "nginx-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        foreach (var folder in new[] { "conf/site.d", "logs", "acme", "temp" })
            Directory.CreateDirectory(Path.Combine(prefix, folder));
        // nginx's workers run as nobody when the master is root: they write their temporary files here.
        File.SetUnixFileMode(Path.Combine(prefix, "temp"), (UnixFileMode)0b111_111_111);
        var door = new FrontDoor(prefix);
        var render = await Shell.BashAsync($$"""
            set -euo pipefail
            cd {{PublishedApp.RepositoryRoot()}}
            say() { echo "$*" >&2; }; fail() { echo "$*" >&2; exit 1; }
            source deploy/lib/instances.sh; source deploy/lib/nginx.sh
            write_upstream {{string.Join(' ', appPorts)}}
            self_signed {{Domain}}
            render_site "$nginx_template" {{Domain}} 127.0.0.1:{{door.HttpPort}} {{door.HttpsPort}} >{{prefix}}/site.conf
            """, door.ScriptEnvironment);
        Assert.That(render.ExitCode, Is.Zero, render.All);
        await File.WriteAllTextAsync(Path.Combine(prefix, "nginx.conf"), $$"""
            worker_processes 2;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/logs/error.log warn;
            events { worker_connections 1024; }
            http {
                include /etc/nginx/mime.types;
                access_log off;
                client_body_temp_path {{prefix}}/temp/body;
                proxy_temp_path {{prefix}}/temp/proxy;
                fastcgi_temp_path {{prefix}}/temp/fastcgi;
                uwsgi_temp_path {{prefix}}/temp/uwsgi;
                scgi_temp_path {{prefix}}/temp/scgi;
                include {{prefix}}/site.conf;
            }
            """);
        var check = await Shell.RunAsync(Nginx, ["-t", "-q", "-p", prefix, "-c", $"{prefix}/nginx.conf"], door.ScriptEnvironment);
        Assert.That(check.ExitCode, Is.Zero, $"nginx -t: {check.All}");
        var start = await Shell.RunAsync(Nginx, ["-p", prefix, "-c", $"{prefix}/nginx.conf"], door.ScriptEnvironment);
        Assert.That(start.ExitCode, Is.Zero, $"nginx did not start: {start.All}");
        return door;
    }

    /// <summary>A graceful reload, as <c>systemctl reload nginx</c> does.</summary>
    public async Task ReloadAsync()
    {
        var reload = await Shell.BashAsync(ScriptEnvironment["TAUTAURUN_NGINX_RELOAD_CMD"], ScriptEnvironment);
        Assert.That(reload.ExitCode, Is.Zero, reload.All);
    }

    /// <summary>deploy/instances.sh with this nginx: drain PORT, undrain PORT.</summary>
    public Task<Shell.Result> InstancesAsync(params string[] arguments) =>
        Shell.RunScriptAsync("deploy/instances.sh", arguments, ScriptEnvironment);

    public string ErrorLog() => File.ReadAllText(Path.Combine(prefix, "logs", "error.log"));

    /// <summary>
    /// A browser's client for https://tautaurun.test:PORT (or its plain-HTTP address), trusting only the
    /// certificate made for the test, connecting from <paramref name="source"/> (a loopback address).
    /// </summary>
    public HttpClient NewClient(CookieContainer? cookies = null, IPAddress? source = null, bool https = true) => new(new SocketsHttpHandler
    {
        CookieContainer = cookies ?? new CookieContainer(),
        AllowAutoRedirect = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == $"CN={Domain}",
        },
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source ?? IPAddress.Loopback, 0));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
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
        BaseAddress = https ? HttpsAddress : HttpAddress,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public async ValueTask DisposeAsync()
    {
        await Shell.RunAsync(Nginx, ["-q", "-p", prefix, "-c", $"{prefix}/nginx.conf", "-s", "stop"], ScriptEnvironment);
    }
}
