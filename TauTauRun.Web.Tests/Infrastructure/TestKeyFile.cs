using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>The run's Data Protection key file (what install.sh makes for the service), shared by every app the tests start.</summary>
public static class TestKeyFile
{
    private static readonly Lazy<string> File = new(() => New("data-protection.pem"));

    public static string Path => File.Value;

    /// <summary>Another key file, as a second machine would have.</summary>
    public static string New(string name)
    {
        var path = System.IO.Path.Combine(TestDatabase.TempRoot, "keys", Guid.NewGuid().ToString("N"), name);
        DataProtectionKeyFile.Create(path);
        return path;
    }
}
