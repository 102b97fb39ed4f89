using System.Globalization;

namespace TauTauRun.Bench;

/// <summary>CPU time and resident memory of processes, read from /proc.</summary>
public static class ProcessStats
{
    /// <summary>Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on every Linux we run on).</summary>
    public const double TicksPerSecond = 100;

    /// <summary>User plus system ticks of the processes (all their threads); a process that is gone counts 0.</summary>
    public static long Ticks(IEnumerable<int> pids) => pids.Sum(pid => Stat(pid) is { } fields ? long.Parse(fields[11]) + long.Parse(fields[12]) : 0);

    /// <summary>The process and its direct children (PostgreSQL's postmaster and its backends).</summary>
    public static IReadOnlyList<int> WithChildren(int parent)
    {
        var pids = new List<int> { parent };
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(folder), out var pid) && Stat(pid) is { } fields && fields[1] == parent.ToString(CultureInfo.InvariantCulture))
                pids.Add(pid);
        return pids;
    }

    /// <summary>A line of /proc/PID/status in MB, e.g. VmRSS or VmHWM; 0 if the process is gone.</summary>
    public static double MemoryMb(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
        }
        return 0;
    }

    /// <summary>The fields of /proc/PID/stat after the command name (state first), or null if the process is gone.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
