using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace TauTauRun.Bench.Data;

/// <summary>
/// Downloads an admin page (an export) as an admin's browser would, --times T times, reading the
/// stream to the end, and watches the app's memory: VmRSS after logging in, and VmHWM (the peak
/// resident size since the app started) before and at the end. Options: --base, --user, --password,
/// --path, --pid (the app), --times. Prints "seconds S bytes B rss_before_mb R hwm_before_mb H0
/// hwm_after_mb H runs S1,S2,…" with S the median of the downloads.
/// </summary>
public static class AdminDownload
{
    public static async Task<int> RunAsync(Options options)
    {
        var pid = int.Parse(options.Required("pid"), CultureInfo.InvariantCulture);
        using var client = await AdminPages.LogInAsync(options.Required("base"), options.Required("user"), options.Required("password"), options.Required("totp-secret"));
        var rssBefore = ProcessStats.MemoryMb(pid, "VmRSS");
        var hwmBefore = ProcessStats.MemoryMb(pid, "VmHWM");
        var seconds = new List<double>();
        long bytes = 0;
        var buffer = new byte[81920];
        for (var i = 0; i < options.Int("times", 3); i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(options.Required("path"), HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"{options.Required("path")} answered {(int)response.StatusCode}");
            await using var body = await response.Content.ReadAsStreamAsync();
            bytes = 0;
            for (int read; (read = await body.ReadAsync(buffer)) > 0;)
                bytes += read;
            seconds.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        var hwmAfter = ProcessStats.MemoryMb(pid, "VmHWM");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seconds {seconds.Order().ElementAt(seconds.Count / 2):0.000} bytes {bytes} rss_before_mb {rssBefore:0.0} hwm_before_mb {hwmBefore:0.0} hwm_after_mb {hwmAfter:0.0} runs {string.Join(",", seconds.Select(s => s.ToString("0.000", CultureInfo.InvariantCulture)))}"));
        return 0;
    }
}
