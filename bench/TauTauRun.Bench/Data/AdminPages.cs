using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using TauTauRun.Bench.Load;

namespace TauTauRun.Bench.Data;

/// <summary>
/// Times admin pages as one admin's browser loads them: logs in through the form (antiforgery token and
/// cookie, and the second step with a code from --totp-secret, the key the admin's authenticator was set
/// up with), then GETs each page in turn and reads the whole body. Options: --base URL, --user, --password, --totp-secret;
/// --pages FILE, lines "NAME PATH [N]" where N asks for the Nth page of that list (found by following its
/// "Next page" links, as an admin clicking through would); --urls-out FILE writes "NAME URL" lines once
/// resolved; --warmup W and --iterations I per page (interleaved, so noise hits every page alike).
/// Prints "NAME p50 P p95 P p99 P n N errors E" per page, in ms.
/// </summary>
public static partial class AdminPages
{
    public static async Task<int> RunAsync(Options options)
    {
        using var client = await LogInAsync(options.Required("base"), options.Required("user"), options.Required("password"), options.Required("totp-secret"));
        var pages = new List<(string Name, string Url)>();
        foreach (var line in File.ReadLines(options.Required("pages")).Where(l => l.Trim().Length > 0))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            pages.Add((parts[0], await NthPageAsync(client, parts[1], parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : 1)));
        }
        if (options.Optional("urls-out") is { } urlsOut)
            await File.WriteAllLinesAsync(urlsOut, pages.Select(p => $"{p.Name} {p.Url}"));

        var timings = pages.Select(_ => new Latencies()).ToArray();
        var errors = new int[pages.Count];
        var warmup = options.Int("warmup", 20);
        var iterations = options.Int("iterations", 100);
        for (var round = 0; round < warmup + iterations; round++)
        {
            for (var i = 0; i < pages.Count; i++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(pages[i].Url);
                await response.Content.ReadAsByteArrayAsync();
                var ended = Stopwatch.GetTimestamp();
                if (response.StatusCode != HttpStatusCode.OK)
                    errors[i]++;
                else if (round >= warmup)
                    timings[i].Add(started, ended);
            }
        }
        for (var i = 0; i < pages.Count; i++)
        {
            var (count, p50, p95, p99) = Latencies.Summarise([timings[i]]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{pages[i].Name} p50 {p50:0.00} p95 {p95:0.00} p99 {p99:0.00} n {count} errors {errors[i]}"));
        }
        return errors.Sum() == 0 ? 0 : 1;
    }

    /// <summary>A client holding an admin's login cookie; redirects are not followed, so a failed login shows.</summary>
    public static async Task<HttpClient> LogInAsync(string baseUrl, string user, string password, string totpSecret)
    {
        var client = new HttpClient(new PlainHttpCookies())
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TimeSpan.FromMinutes(5),
        };
        var form = FormPage.Parse(await client.GetStringAsync("/admin/login"), "")
                   ?? throw new InvalidOperationException("/admin/login has no login form");
        var fields = new List<KeyValuePair<string, string>>(form.Hidden) { new("Form.Username", user), new("Form.Password", password) };
        using var response = await client.PostAsync("/admin/login", new FormUrlEncodedContent(fields));
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"logging in as {user} answered {(int)response.StatusCode}, not a redirect");
        var step = response.Headers.Location!.OriginalString;
        if (!step.StartsWith("/admin/two-factor", StringComparison.Ordinal))
            return client;
        // Each code works once: a second login within the same 30 seconds (scenario 03 logs in twice)
        // waits for the next code, before anything is timed.
        for (var attempt = 0; ; attempt++)
        {
            var codeForm = FormPage.Parse(await client.GetStringAsync(step), "")
                           ?? throw new InvalidOperationException($"{step} has no code form (is the admin's authenticator set up?)");
            var code = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(totpSecret)).ComputeTotp();
            using var second = await client.PostAsync(step,
                new FormUrlEncodedContent(new List<KeyValuePair<string, string>>(codeForm.Hidden) { new("Form.Code", code) }));
            if (second.StatusCode == HttpStatusCode.Redirect)
                break;
            if (attempt > 0 || second.StatusCode != HttpStatusCode.Unauthorized)
                throw new InvalidOperationException($"the second step as {user} answered {(int)second.StatusCode}, not a redirect");
            await Task.Delay(TimeSpan.FromSeconds(30 - DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 30 + 1));
        }
        return client;
    }

    private static async Task<string> NthPageAsync(HttpClient client, string url, int n)
    {
        for (var page = 1; page < n; page++)
        {
            var html = await client.GetStringAsync(url);
            url = NextPage().Match(html) is { Success: true } next
                ? WebUtility.HtmlDecode(next.Groups[1].Value)
                : throw new InvalidOperationException($"{url} has no next page: the list is shorter than {n} pages");
        }
        return url;
    }

    [GeneratedRegex("""<a href="([^"]+)">Next page</a>""")]
    private static partial Regex NextPage();
}
