using System.Diagnostics;

namespace TauTauRun.Bench.Load;

/// <summary>The durations of one step (e.g. "post") as measured by one virtual user; merged at the end.</summary>
public sealed class Latencies
{
    private readonly List<long> ticks = [];

    public void Add(long startTimestamp, long endTimestamp) => ticks.Add(endTimestamp - startTimestamp);

    public static (int Count, double P50, double P95, double P99) Summarise(IEnumerable<Latencies> parts)
    {
        var all = parts.SelectMany(p => p.ticks).Order().ToArray();
        if (all.Length == 0)
            return (0, 0, 0, 0);
        double Ms(double fraction) => all[Math.Min(all.Length - 1, (int)Math.Ceiling(fraction * all.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
        return (all.Length, Ms(0.50), Ms(0.95), Ms(0.99));
    }
}
