namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>A small tmpfs mounted on a folder, to make a disk full or read-only for real. Needs root.</summary>
public sealed class TinyDisk : IDisposable
{
    private readonly string path;

    private TinyDisk(string path) => this.path = path;

    public static TinyDisk Mount(string path, string size)
    {
        if (Environment.UserName != "root")
            Assert.Ignore("Mounting a small tmpfs needs root; run the suite as root (as CI does) to test a full or read-only disk.");
        Directory.CreateDirectory(path);
        var mount = Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0755", "tmpfs", path);
        if (mount.ExitCode != 0)
            Assert.Ignore($"mounting a tmpfs failed ({mount.Error.Trim()}); this machine cannot simulate a full or read-only disk.");
        return new TinyDisk(path);
    }

    public void MakeReadOnly()
    {
        var remount = Run("mount", "-o", "remount,ro", path);
        Assert.That(remount.ExitCode, Is.Zero, remount.Error);
    }

    public void Dispose() => Run("umount", path);

    private static Shell.Result Run(string command, params string[] arguments) =>
        Shell.RunAsync(command, arguments, new Dictionary<string, string>()).GetAwaiter().GetResult();
}
