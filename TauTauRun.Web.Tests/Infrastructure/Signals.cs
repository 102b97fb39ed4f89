using System.Runtime.InteropServices;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>Signals .NET's Process class cannot send (it only kills).</summary>
public static partial class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public static void Send(int processId, int signal)
    {
        if (kill(processId, signal) != 0)
            throw new InvalidOperationException($"kill({processId}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The direct children of a process, from /proc.</summary>
    public static int[] Children(int processId) =>
        File.ReadAllText($"/proc/{processId}/task/{processId}/children")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(int.Parse)
            .ToArray();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
