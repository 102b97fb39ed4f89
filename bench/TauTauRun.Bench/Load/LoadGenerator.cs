using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace TauTauRun.Bench.Load;

/// <summary>
/// Virtual users that each do what a browser does, as fast as answers come: with its own cookies,
/// GET the form, POST it with the hidden fields it carried (the antiforgery token among them), follow
/// the redirect to the confirmation page; when the answer to the POST is the form again offering the
/// race's waiting list, post it once more accepting the offer, as a runner would. Mode "insert" only POSTs one small form to --form-path.
/// Modes "form" and "status" measure one step alone, for the cost budget: "form" only GETs the form; "status" registers
/// once per user (not counted) and then only GETs the confirmation page it was sent to.
/// A warm-up (JIT, pools) runs first and is not counted; then the measured phase.
///
/// Options: --url BASE (required), --mode flow|insert|form|status, --users 64, --warmup SECONDS, --duration SECONDS,
/// --form-path /register, --select Form.CategoryId, --categories 1,2 (measured phase; default: every
/// choice of the select), --warmup-categories 3 (default: the same), --app-pid PID, --pg-pid POSTMASTER,
/// --trust-certificate FILE (an HTTPS --url whose server shows exactly this certificate, e.g. nginx's self-signed one).
/// Prints "key value" lines: throughput_per_s, flows, waitlisted_flows, errors (warm-up included), error_kinds, STEP_count/p50_ms/p95_ms/p99_ms,
/// cpu_app_cores, cpu_pg_cores, cpu_client_cores, app_rss_peak_mb, app_hwm_mb.
/// </summary>
public static class LoadGenerator
{
    private const int PhaseWarmup = 0, PhaseMeasure = 1, PhaseStop = 2;
    /// <summary>How a form page offers a full race's waiting list (the app's Register page).</summary>
    /// <summary>
    /// A checkbox's field, which ASP.NET follows with a hidden "false": a browser sends the checked box
    /// first, so the hidden copy is left out here and "true" sent instead.
    /// </summary>
    private const string Checkbox = "Form.AcceptWaiver";
    private const string WaitlistButton = "name=\"Form.JoinWaitlist\"";

    public static async Task<int> RunAsync(Options options)
    {
        var baseUrl = new Uri(options.Required("url"));
        var mode = options.Optional("mode") ?? "flow";
        if (mode is not ("flow" or "insert" or "form" or "status"))
            throw new UsageException($"--mode must be flow, insert, form or status, not {mode}");
        var flow = mode != "insert";
        var users = options.Int("users", 64);
        var warmup = TimeSpan.FromSeconds(options.Double("warmup", 40));
        var duration = TimeSpan.FromSeconds(options.Double("duration", 30));
        var plan = new Plan(
            options.Optional("form-path") ?? (flow ? "/register" : "/insert"),
            options.Optional("select") ?? "Form.CategoryId",
            List(options.Optional("categories")),
            List(options.Optional("warmup-categories") ?? options.Optional("categories")),
            Guid.NewGuid().ToString("N")[..8],
            options.Optional("trust-certificate") is { } file ? System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(file) : null);
        var appPid = options.Int("app-pid", 0);
        var pgPid = options.Int("pg-pid", 0);

        var state = new Shared();
        var runners = Enumerable.Range(0, users).Select(i => new VirtualUser(i, baseUrl, plan, state)).ToArray();
        using var sampling = new CancellationTokenSource();
        var rssPeak = appPid > 0 ? SamplePeakRssAsync(appPid, sampling.Token) : Task.FromResult(0.0);
        var running = runners.Select(r => Task.Run(() => mode switch
        {
            "flow" => r.FlowLoopAsync(),
            "form" => r.StepLoopAsync(stopAfterForm: true),
            "status" => r.StepLoopAsync(stopAfterForm: false),
            _ => r.InsertLoopAsync(),
        })).ToArray();

        await Task.Delay(warmup);
        var pgPids = pgPid > 0 ? ProcessStats.WithChildren(pgPid) : [];
        var before = (App: Ticks(appPid), Pg: ProcessStats.Ticks(pgPids), Client: Ticks(Environment.ProcessId));
        var measureStart = Stopwatch.GetTimestamp();
        state.Phase = PhaseMeasure;
        await Task.Delay(duration);
        state.Phase = PhaseStop;
        var seconds = Stopwatch.GetElapsedTime(measureStart).TotalSeconds;
        var after = (App: Ticks(appPid), Pg: ProcessStats.Ticks(pgPid > 0 ? ProcessStats.WithChildren(pgPid) : pgPids), Client: Ticks(Environment.ProcessId));
        var hwm = appPid > 0 ? ProcessStats.MemoryMb(appPid, "VmHWM") : 0;
        await Task.WhenAll(running);
        await sampling.CancelAsync();

        var result = new List<(string, object)>
        {
            ("throughput_per_s", runners.Sum(r => r.Flows) / seconds),
            ("flows", runners.Sum(r => r.Flows)),
            ("warmup_flows", runners.Sum(r => r.WarmupFlows)),
            ("waitlisted_flows", runners.Sum(r => r.WaitlistedFlows)),
            ("errors", state.Errors.Values.Sum()),
            ("error_kinds", state.Errors.IsEmpty ? "none" : string.Join(';', state.Errors.Select(e => $"{e.Key}={e.Value}"))),
        };
        foreach (var step in flow ? new[] { "get_form", "post", "post_waitlist", "get_confirmation" } : ["post"])
        {
            var (count, p50, p95, p99) = Latencies.Summarise(runners.Select(r => r.Step(step)));
            result.AddRange([($"{step}_count", count), ($"{step}_p50_ms", p50), ($"{step}_p95_ms", p95), ($"{step}_p99_ms", p99)]);
        }
        var (flows, flowP50, flowP95, flowP99) = Latencies.Summarise(runners.Select(r => r.Step("flow")));
        result.AddRange([("flow_p50_ms", flowP50), ("flow_p95_ms", flowP95), ("flow_p99_ms", flowP99)]);
        _ = flows;
        result.Add(("cpu_app_cores", (after.App - before.App) / ProcessStats.TicksPerSecond / seconds));
        result.Add(("cpu_pg_cores", (after.Pg - before.Pg) / ProcessStats.TicksPerSecond / seconds));
        result.Add(("cpu_client_cores", (after.Client - before.Client) / ProcessStats.TicksPerSecond / seconds));
        result.Add(("app_rss_peak_mb", await rssPeak));
        result.Add(("app_hwm_mb", hwm));
        foreach (var (key, value) in result)
            Console.WriteLine(FormattableString.Invariant($"{key} {(value is double d ? d.ToString("0.###", CultureInfo.InvariantCulture) : value)}"));
        return 0;
    }

    private static long Ticks(int pid) => pid > 0 ? ProcessStats.Ticks([pid]) : 0;

    private static IReadOnlyList<string> List(string? commaSeparated) =>
        string.IsNullOrEmpty(commaSeparated) ? [] : commaSeparated.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static async Task<double> SamplePeakRssAsync(int pid, CancellationToken stop)
    {
        var peak = 0.0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        try
        {
            do
                peak = Math.Max(peak, ProcessStats.MemoryMb(pid, "VmRSS"));
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
        }
        return peak;
    }

    private sealed record Plan(string FormPath, string Select, IReadOnlyList<string> Categories, IReadOnlyList<string> WarmupCategories, string RunId,
        System.Security.Cryptography.X509Certificates.X509Certificate2? TrustedCertificate);

    private sealed class Shared
    {
        public volatile int Phase = PhaseWarmup;
        public readonly ConcurrentDictionary<string, int> Errors = new();
        private int reported;

        /// <summary>Counts an error by kind; the first few are shown in full on stderr for diagnosis.</summary>
        public void Error(string kind, string detail)
        {
            Errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
            if (Interlocked.Increment(ref reported) > 3)
                return;
            var messages = FormPage.ErrorMessages(detail);
            var shown = messages.Count > 0 ? string.Join(" | ", messages) : detail.Length > 400 ? detail[..400] : detail;
            Console.Error.WriteLine($"load: {kind}: {shown}");
        }
    }

    private sealed class VirtualUser(int index, Uri baseUrl, Plan plan, Shared shared)
    {
        private readonly HttpClient client = new(new SocketsHttpHandler
        {
            CookieContainer = new CookieContainer(),
            UseCookies = true,
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = 1,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            SslOptions = plan.TrustedCertificate is null ? new() : new()
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == plan.TrustedCertificate!.GetCertHashString(),
            },
        })
        { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        private readonly Dictionary<string, Latencies> steps = new();
        private int sequence;

        public int Flows { get; private set; }
        public int WarmupFlows { get; private set; }
        public int WaitlistedFlows { get; private set; }

        public Latencies Step(string name) => steps.GetValueOrDefault(name) ?? new Latencies();

        public async Task FlowLoopAsync(bool once = false)
        {
            while (shared.Phase != PhaseStop)
            {
                var phase = shared.Phase;
                var timings = new List<(string, long, long)>(4);
                var waitlisted = false;
                try
                {
                    var t0 = Stopwatch.GetTimestamp();
                    using var formResponse = await client.GetAsync(plan.FormPath);
                    var html = await formResponse.Content.ReadAsStringAsync();
                    var t1 = Stopwatch.GetTimestamp();
                    timings.Add(("get_form", t0, t1));
                    if (formResponse.StatusCode != HttpStatusCode.OK || FormPage.Parse(html, plan.Select) is not { } form)
                    {
                        shared.Error($"get_form_{(int)formResponse.StatusCode}", html);
                        continue;
                    }
                    var fields = Fields(form, phase);
                    var post = await client.PostAsync(form.Action ?? plan.FormPath, new FormUrlEncodedContent(fields));
                    var postBody = await post.Content.ReadAsStringAsync();
                    var t2 = Stopwatch.GetTimestamp();
                    timings.Add(("post", t1, t2));
                    if (post.StatusCode == HttpStatusCode.OK && postBody.Contains(WaitlistButton) && FormPage.Parse(postBody, plan.Select) is { } full)
                    {
                        // The race filled up: the page offers its waiting list, and the runner takes it.
                        post.Dispose();
                        var hidden = full.Hidden.Where(f => f.Key != Checkbox).ToList();
                        var again = hidden.Concat(fields.Where(f => !hidden.Any(h => h.Key == f.Key)))
                            .Append(new("Form.JoinWaitlist", "true"));
                        post = await client.PostAsync(full.Action ?? plan.FormPath, new FormUrlEncodedContent(again));
                        postBody = await post.Content.ReadAsStringAsync();
                        var t2b = Stopwatch.GetTimestamp();
                        timings.Add(("post_waitlist", t2, t2b));
                        t2 = t2b;
                        waitlisted = true;
                    }
                    using var _ = post;
                    if (post.StatusCode != HttpStatusCode.Redirect || post.Headers.Location is not { } location)
                    {
                        shared.Error($"post_{(int)post.StatusCode}", postBody);
                        continue;
                    }
                    using var confirmation = await client.GetAsync(location);
                    var confirmationBody = await confirmation.Content.ReadAsStringAsync();
                    var t3 = Stopwatch.GetTimestamp();
                    timings.Add(("get_confirmation", t2, t3));
                    if (confirmation.StatusCode != HttpStatusCode.OK)
                    {
                        shared.Error($"get_confirmation_{(int)confirmation.StatusCode}", confirmationBody);
                        continue;
                    }
                    timings.Add(("flow", t0, t3));
                    Completed(phase, timings, waitlisted);
                    confirmationPath = location;
                    if (once)
                        return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    shared.Error(e.GetType().Name, e.Message);
                }
            }
        }

        private Uri? confirmationPath;

        /// <summary>
        /// One step alone, again and again: the form's GET, or the confirmation page's GET after one
        /// registration (which counts as warm-up). Each answer must be a 200.
        /// </summary>
        public async Task StepLoopAsync(bool stopAfterForm)
        {
            if (!stopAfterForm)
                await FlowLoopAsync(once: true);
            var (step, path) = stopAfterForm ? ("get_form", plan.FormPath) : ("get_confirmation", confirmationPath?.ToString());
            if (path is null)
                return; // the registration failed, and its error is counted
            while (shared.Phase != PhaseStop)
            {
                var phase = shared.Phase;
                try
                {
                    var t0 = Stopwatch.GetTimestamp();
                    using var response = await client.GetAsync(path);
                    var body = await response.Content.ReadAsStringAsync();
                    var t1 = Stopwatch.GetTimestamp();
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        shared.Error($"{step}_{(int)response.StatusCode}", body);
                        continue;
                    }
                    Completed(phase, [(step, t0, t1), ("flow", t0, t1)], waitlisted: false);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    shared.Error(e.GetType().Name, e.Message);
                }
            }
        }

        public async Task InsertLoopAsync()
        {
            while (shared.Phase != PhaseStop)
            {
                var phase = shared.Phase;
                try
                {
                    var t0 = Stopwatch.GetTimestamp();
                    using var response = await client.PostAsync(plan.FormPath,
                        new FormUrlEncodedContent([new("email", Email())]));
                    var body = await response.Content.ReadAsStringAsync();
                    var t1 = Stopwatch.GetTimestamp();
                    if (!response.IsSuccessStatusCode)
                    {
                        shared.Error($"post_{(int)response.StatusCode}", body);
                        continue;
                    }
                    Completed(phase, [("post", t0, t1), ("flow", t0, t1)], waitlisted: false);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    shared.Error(e.GetType().Name, e.Message);
                }
            }
        }

        /// <summary>Counted only when the whole flow ran inside the measured phase.</summary>
        private void Completed(int phase, List<(string Step, long Start, long End)> timings, bool waitlisted)
        {
            if (phase == PhaseWarmup)
            {
                WarmupFlows++;
                return;
            }
            if (phase != PhaseMeasure || shared.Phase != PhaseMeasure)
                return;
            Flows++;
            if (waitlisted)
                WaitlistedFlows++;
            foreach (var (step, start, end) in timings)
            {
                if (!steps.TryGetValue(step, out var latencies))
                    steps[step] = latencies = new Latencies();
                latencies.Add(start, end);
            }
        }

        private string Email() => $"r{plan.RunId}-{index}-{++sequence}@bench.test";

        /// <summary>The form as a runner fills it in: the page's hidden fields, then every visible field.</summary>
        private List<KeyValuePair<string, string>> Fields(FormPage form, int phase)
        {
            var wanted = phase == PhaseWarmup ? plan.WarmupCategories : plan.Categories;
            var choices = wanted.Count > 0 ? wanted : form.Choices;
            var category = choices.Count > 0 ? choices[Random.Shared.Next(choices.Count)] : "";
            var n = sequence + 1;
            var fields = form.Hidden.Where(f => f.Key != Checkbox).ToList();
            fields.AddRange(
            [
                new("Form.CategoryId", category),
                new("Form.FullName", $"Bench Runner {index} {n}"),
                new("Form.Email", Email()),
                new("Form.Phone", $"+3161{index:D3}{n % 10000:D4}"),
                new("Form.DateOfBirth", "1990-04-01"),
                new("Form.Gender", "FMX"[n % 3].ToString()),
                new("Form.TshirtSize", "M"),
                new("Form.EmergencyContactName", "Contact Person"),
                new("Form.EmergencyContactPhone", "+31687654321"),
                new("Form.Club", ""),
                new("Form.MedicalNotes", ""),
                new("Form.Website", ""),
                new("Form.AcceptWaiver", "true"),
            ]);
            return fields;
        }
    }
}
