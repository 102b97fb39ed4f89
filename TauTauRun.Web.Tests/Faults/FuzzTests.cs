using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using AngleSharp.Html.Parser;
using CsCheck;
using Dapper;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>
/// Generated submissions to every public form and the admin login, against the published app: no answer
/// is a 5xx, no stored value breaks the rules a form promises, and no stored value is ever rendered as
/// markup, on the runner's page, in the admin pages or in an email.
/// Replay a run with <c>TAUTAURUN_FUZZ_SEED=&lt;the printed seed&gt;</c>.
/// </summary>
[Category("Faults")]
public sealed class FuzzTests : DatabaseTest
{
    private const int Submissions = 5000;
    private const string Viewer = "fuzz-viewer";
    private static readonly HtmlParser Parser = new();

    [Test]
    public async Task Five_thousand_hostile_submissions_get_no_5xx_store_no_bad_value_and_render_nothing_as_markup()
    {
        var seed = Environment.GetEnvironmentVariable("TAUTAURUN_FUZZ_SEED") is { Length: > 0 } replay
            ? PCG.Parse(replay)
            : new PCG((uint)Random.Shared.Next(), (ulong)Random.Shared.NextInt64());
        TestContext.Out.WriteLine($"fuzz seed {seed} (replay with TAUTAURUN_FUZZ_SEED={seed})");
        long openRace, tinyRace;
        await using (var connection = await OpenAsync())
        {
            openRace = await TestData.CategoryAsync(connection, "Fuzz 10K", capacity: 100_000, bibFirst: 1, bibLast: 199_999);
            tinyRace = await TestData.CategoryAsync(connection, "Fuzz mile", capacity: 3, bibFirst: 200_000, bibLast: 200_999);
        }
        await AdminSession.CreateAdminAsync("fuzz-admin", AdminSession.TestPassword);
        var submissions = new FuzzSubmissions(openRace, tinyRace, "fuzz-admin", AdminSession.TestPassword).Generate(seed, Submissions);
        await using var app = await AppProcess.StartAsync();
        var fuzzer = new FormFuzzer(app);

        var clock = Stopwatch.StartNew();
        var answers = await fuzzer.RunAsync(submissions, workers: 16);
        var fuzzTime = clock.Elapsed;
        var problems = Distinct(answers.Where(a => a.Problem is not null).Select(a => (a.Problem!, a.Submission.Describe())));
        var rendered = await RenderStoredValuesAsync(app);
        problems.AddRange(Distinct(rendered));
        var stored = await StoredValueRules.ViolationsAsync(TestDatabase.ConnectionString);

        var reached = answers.Count(a => a.ReachedHandler);
        TestContext.Out.WriteLine($"{answers.Count} submissions in {fuzzTime.TotalSeconds:F0} s, {reached} reached their handler, " +
                                  $"{fuzzer.StatusTokens.Count} registrations; whole check {clock.Elapsed.TotalSeconds:F0} s");
        foreach (var form in answers.GroupBy(a => a.Submission.Form))
            TestContext.Out.WriteLine($"  {form.Key}: {form.Count()} sent, {form.Count(a => a.ReachedHandler)} reached, answers " +
                                      string.Join(", ", form.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}")));
        Assert.Multiple(() =>
        {
            Assert.That(problems, Is.Empty, $"seed {seed}\n{app.ErrorLog()}");
            Assert.That(stored, Is.Empty, $"stored values (seed {seed})");
            Assert.That(answers, Has.Count.EqualTo(Submissions));
            Assert.That(reached, Is.GreaterThan(Submissions * 3 / 4), "most submissions must get past antiforgery, or the fuzz proves little");
            Assert.That(answers.Count(a => a.Status == 429), Is.LessThan(Submissions / 20), "the rate limits must not answer for the forms");
            foreach (var form in Enum.GetValues<FuzzForm>())
                Assert.That(answers.Count(a => a.Submission.Form == form && a.ReachedHandler), Is.GreaterThan(100), $"{form} submissions reaching it");
            Assert.That(fuzzer.StatusTokens, Has.Count.GreaterThan(1000), "registrations stored, for the rendering checks");
        });
    }

    /// <summary>
    /// The pages that show stored values: every runner's own page (reached with a fresh link set in the
    /// database, as the links the fuzz saw may have been replaced), the admin list and search over all
    /// runners, detail pages, the outbox and the audit log. Returns each problem with the page it is on.
    /// </summary>
    private static async Task<List<(string Problem, string Page)>> RenderStoredValuesAsync(AppProcess app)
    {
        var links = new List<string>();
        long[] ids;
        await using (var connection = await OpenAsync())
        {
            ids = (await connection.QueryAsync<long>("SELECT id FROM participants ORDER BY id")).ToArray();
            foreach (var id in ids)
            {
                var token = StatusTokens.New();
                await connection.ExecuteAsync("UPDATE participants SET access_token_hash = @hash WHERE id = @id", new { id, hash = StatusTokens.Hash(token) });
                links.Add($"/status/{token}?welcome=1");
            }
        }
        await AdminSession.CreateAdminAsync(Viewer, AdminSession.TestPassword);
        // From an address of its own: the fuzzing used up the login limit of the usual ones.
        using var admin = app.NewClient(new CookieContainer(), IPAddress.Parse("127.0.2.1"));
        var loggedIn = await AdminSession.LogInWithFormsAsync(new FormClient(admin), Viewer, AdminSession.TestPassword);
        Assert.That(loggedIn.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "the viewing admin logs in");

        var pages = new List<string> { "/admin", "/admin/participants?q=data-fuzz", "/admin/participants?q=%3Ci", "/admin/emails", "/admin/audit" };
        // One runner in four: the detail page is one template, and the list and search show every runner.
        pages.AddRange(ids.Where(id => id % 4 == 0).Select(id => $"/admin/participants/{id}"));
        for (string? list = "/admin/participants"; list is not null;)
        {
            pages.Add(list);
            var html = Parser.ParseDocument(await admin.GetStringAsync(list));
            list = html.QuerySelectorAll("a").FirstOrDefault(a => a.TextContent == "Next page")?.GetAttribute("href");
        }

        var problems = new ConcurrentQueue<(string, string)>();
        using var runner = app.NewClient();
        await Parallel.ForEachAsync(links.Select(l => (runner, l)).Concat(pages.Select(p => (admin, p))),
            new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (page, _) =>
            {
                var (client, path) = page;
                using var response = await client.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                    problems.Enqueue(($"{(int)response.StatusCode}", path));
                else if (Parser.ParseDocument(body).QuerySelector($"[{FuzzSubmissions.MarkerAttribute}]") is { } element)
                    problems.Enqueue(($"a stored value is rendered as the element {element.OuterHtml}", path.Split('?')[0]));
            });
        Assert.That(links, Has.Count.EqualTo(ids.Length));
        return problems.ToList();
    }

    /// <summary>One line per distinct problem, with the first input that caused it and how often it came.</summary>
    private static List<(string Problem, string Input)> Distinct(IEnumerable<(string Problem, string Input)> problems) =>
        problems.GroupBy(p => p.Problem.Length > 120 ? p.Problem[..120] : p.Problem)
            .Select(g => ($"{g.First().Problem} ({g.Count()}×)", g.First().Input))
            .ToList();
}
