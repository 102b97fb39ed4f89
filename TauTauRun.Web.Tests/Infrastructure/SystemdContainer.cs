namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>
/// A Debian 12 machine with a real systemd as PID 1, booted in systemd-nspawn with a private network
/// (Operations/container.sh does the booting). The rootfs comes from a tarball cached outside the
/// checkout, built by debootstrap on first use. When this machine cannot boot one, the test is
/// ignored with the reason: never reported as passed.
/// </summary>
public sealed class SystemdContainer : IAsyncDisposable
{
    private static readonly string Scripts = Path.Combine(PublishedApp.RepositoryRoot(), "TauTauRun.Web.Tests", "Operations");
    private readonly string work;
    private readonly string leader;

    private SystemdContainer(string work, string leader)
    {
        this.work = work;
        this.leader = leader;
    }

    /// <param name="binds">host folder → container folder, bound read-only.</param>
    public static async Task<SystemdContainer> BootAsync(IReadOnlyDictionary<string, string> binds)
    {
        if (Environment.UserName != "root")
            Assert.Ignore("Booting a systemd container needs root; run the suite as root, as CI does.");
        if (!File.Exists("/usr/bin/systemd-nspawn"))
            Assert.Ignore("systemd-nspawn is missing: scripts/test.sh installs it (apt-get install --no-install-recommends systemd-container).");
        var cache = Environment.GetEnvironmentVariable("TAUTAURUN_CONTAINER_CACHE") ?? "/var/cache/tautaurun-test";
        var rootfs = await Shell.RunAsync("bash", [Path.Combine(Scripts, "container-rootfs.sh"), cache], new Dictionary<string, string>(),
            TimeSpan.FromMinutes(15));
        if (rootfs.ExitCode != 0)
            Assert.Ignore($"No container rootfs could be built on this machine: {rootfs.Error.Trim()}");

        var work = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "container", Guid.NewGuid().ToString("N")[..8])).FullName;
        var boot = await Shell.RunAsync("bash",
            [Path.Combine(Scripts, "container.sh"), "boot", work, rootfs.Output.Trim(), "--private-network",
             .. binds.Select(bind => $"--bind-ro={bind.Key}:{bind.Value}")],
            new Dictionary<string, string>(), TimeSpan.FromMinutes(3));
        var container = new SystemdContainer(work, boot.Output.Trim());
        if (boot.ExitCode != 0)
        {
            await container.DisposeAsync();
            Assert.Ignore($"This machine cannot boot a systemd container: {boot.Error.Trim()}");
        }
        return container;
    }

    /// <summary>
    /// Booted with what a sysadmin brings: the .NET SDK unpacked under /usr/share/dotnet (not on the
    /// PATH), the checkout at /srv/checkout and the published app at /srv/release, all read-only.
    /// </summary>
    public static Task<SystemdContainer> BootWithReleaseAsync()
    {
        var dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        return BootAsync(new Dictionary<string, string>
        {
            [dotnetRoot] = "/usr/share/dotnet",
            [PublishedApp.RepositoryRoot()] = "/srv/checkout",
            [Path.GetDirectoryName(PublishedApp.Dll)!] = "/srv/release",
        });
    }

    /// <summary>One command line inside, as root, through bash (so the plan's pipes and $(…) work).</summary>
    public Task<Shell.Result> RunAsync(string commandLine, TimeSpan? timeout = null) =>
        Shell.RunAsync("nsenter", ["-t", leader, "-a", "bash", "-c", $"cd /root && {commandLine}"],
            new Dictionary<string, string> { ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ["HOME"] = "/root" },
            timeout);

    /// <summary>Runs and asserts success, returning stdout.</summary>
    public async Task<string> MustAsync(string commandLine, TimeSpan? timeout = null)
    {
        var result = await RunAsync(commandLine, timeout);
        Assert.That(result.ExitCode, Is.Zero, $"{commandLine}\n{result.All}");
        return result.Output;
    }

    /// <summary>Polls with a deadline (nothing inside signals us) until the command succeeds.</summary>
    public async Task<string> EventuallyAsync(string commandLine, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var result = await RunAsync(commandLine);
            if (result.ExitCode == 0)
                return result.Output;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"'{commandLine}' still failing after {within.TotalSeconds} s: {result.All}");
            await Task.Delay(250);
        }
    }

    // container.sh stop waits up to 40 s for the power-off, then removes the whole root file system:
    // minutes on a machine as busy as a full parallel test run makes it.
    public async ValueTask DisposeAsync()
    {
        await Shell.RunAsync("bash", [Path.Combine(Scripts, "container.sh"), "stop", work], new Dictionary<string, string>(), TimeSpan.FromMinutes(4));
    }
}
