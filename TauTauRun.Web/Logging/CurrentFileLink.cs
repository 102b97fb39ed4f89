using System.Text;
using Serilog.Sinks.File;

namespace TauTauRun.Web.Logging;

/// <summary>
/// Serilog's daily files are named by date (<c>api-20261130.log</c>); this keeps a fixed name
/// (<c>api.log</c>) pointing at today's file, so the runbook's <c>tail -f …/api-error.log</c> works.
/// The link is relative, so a copied log folder (an incident snapshot) still resolves it.
/// </summary>
internal sealed class CurrentFileLink(string directory, string prefix, string linkName) : FileLifecycleHooks
{
    /// <summary>The sink's path template, e.g. <c>/var/log/tautaurun/api-.log</c>.</summary>
    public string PathTemplate => Path.Combine(directory, $"{prefix}.log");

    /// <summary>
    /// Serilog opens a file only when the first event arrives; creating today's file and its link at
    /// start means <c>api-error.log</c> is there to tail before the first error.
    /// </summary>
    public void CreateTodaysFile()
    {
        Directory.CreateDirectory(directory);
        // Serilog's own daily naming: the local date, yyyyMMdd, between prefix and extension.
        var today = $"{prefix}{DateTime.Now:yyyyMMdd}.log";
        using (new FileStream(Path.Combine(directory, today), FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
        }
        PointAt(today);
    }

    public override Stream OnFileOpened(string path, Stream underlyingStream, Encoding encoding)
    {
        PointAt(Path.GetFileName(path));
        return underlyingStream;
    }

    private void PointAt(string fileName)
    {
        // A name of its own for each call: two loggers in one process (a test host beside another, or a
        // start racing the first event) must never share a half-made link.
        var staging = Path.Combine(directory, $".{linkName}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        File.CreateSymbolicLink(staging, fileName);
        try
        {
            File.Move(staging, Path.Combine(directory, linkName), overwrite: true); // rename(2): never missing
        }
        catch
        {
            File.Delete(staging);
            throw;
        }
    }
}
