using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using TauTauRun.Web.Tests.Faults;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>
/// The front door as install.sh --domain sets it up: a real nginx with the project's site and a
/// self-signed certificate, in front of two published instances on one database. One nginx and one
/// pair of instances serve every test here (they are slow to start); the tests run one after another.
/// The database is emptied once, before the instances start: emptying it under running instances
/// would also delete the key ring they share, which no real deployment does.
/// </summary>
[Category("FrontDoor")]
[NonParallelizable]
public sealed partial class FrontDoorTests
{
    private static int nextBib;
    private AppProcess a = null!;
    private AppProcess b = null!;
    private FrontDoor door = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        await TestDatabase.ResetAsync();
        var starting = new[] { AppProcess.StartAsync(), AppProcess.StartAsync() };
        await Task.WhenAll(starting);
        (a, b) = (starting[0].Result, starting[1].Result);
        door = await FrontDoor.StartAsync([a.Port, b.Port]);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await door.DisposeAsync();
        await a.DisposeAsync();
        await b.DisposeAsync();
    }

    [Test]
    public async Task Pages_come_over_https_http_is_redirected_except_the_acme_path_and_hsts_is_sent_once()
    {
        using var https = door.NewClient();
        using var http = door.NewClient(https: false);

        var page = await https.GetAsync("/register?race=5");
        var redirect = await http.GetAsync("/register?race=5");
        var acme = await http.GetAsync("/.well-known/acme-challenge/no-such-token");

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), NginxLog());
        Assert.That(page.Headers.GetValues("Strict-Transport-Security"), Is.EqualTo(new[] { "max-age=31536000" }));
        Assert.That(redirect.StatusCode, Is.EqualTo(HttpStatusCode.MovedPermanently));
        Assert.That(redirect.Headers.Location, Is.EqualTo(new Uri(door.HttpsAddress, "/register?race=5")));
        Assert.That(acme.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the challenge path is served from the webroot, not redirected");
        Assert.That(redirect.Headers.Contains("Strict-Transport-Security"), Is.False, "HSTS only over HTTPS");
    }

    [Test]
    public async Task The_admin_cookie_is_secure_with_the_host_prefix_because_nginx_says_https()
    {
        await AdminSession.CreateAdminAsync("door-admin", AdminSession.TestPassword);
        var cookies = new CookieContainer();
        using var client = door.NewClient(cookies);

        var login = await LogInAsync(client, "door-admin");

        Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await login.Content.ReadAsStringAsync());
        var cookie = cookies.GetCookies(door.HttpsAddress)["__Host-" + Web.Admin.AdminSetup.CookieName];
        Assert.That(cookie, Is.Not.Null, string.Join(", ", cookies.GetCookies(door.HttpsAddress).Select(c => c.Name)));
        Assert.That(cookie!.Secure, Is.True);
        Assert.That((await client.GetAsync("/admin")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "signed in, whichever instance answers");
    }

    [Test]
    public async Task Rate_limits_count_each_client_address_that_nginx_passes_on()
    {
        using var greedy = door.NewClient(source: IPAddress.Parse("127.0.0.2"));
        using var other = door.NewClient(source: IPAddress.Parse("127.0.0.3"));

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i <= 2 * Web.Admin.AdminSetup.LoginPostsPerMinute; i++)
            answers.Add((await LogInAsync(greedy, "nobody")).StatusCode);
        var others = await LogInAsync(other, "nobody");

        Assert.That(answers, Does.Contain(HttpStatusCode.TooManyRequests), "one address is limited (each instance counts it, so at most twice the limit pass)");
        Assert.That(others.StatusCode, Is.Not.EqualTo(HttpStatusCode.TooManyRequests), "another address is not: the app sees the runner, not nginx");
    }

    [Test]
    public async Task Metrics_answer_on_the_local_port_with_the_listed_series_and_are_refused_through_nginx()
    {
        long category;
        await using (var connection = await OpenAsync())
            category = await TestData.CategoryAsync(connection, "metrics", capacity: 1, bibFirst: 90_000, bibLast: 90_999);
        using var local = a.NewClient();
        using var localB = b.NewClient();
        async Task<string> ScrapeAsync() => await (await local.GetAsync("/metrics")).Content.ReadAsStringAsync()
                                             + await (await localB.GetAsync("/metrics")).Content.ReadAsStringAsync();
        using var outside = door.NewClient();
        var before = await ScrapeAsync();

        var load = new RegistrationLoad(() => door.NewClient(), [category]);
        await load.RunUntilAcknowledgedAsync(runners: 2, count: 3);
        var metrics = await ScrapeAsync();
        var refused = await outside.GetAsync("/metrics");
        var publicHealth = await (await outside.GetAsync("/health")).Content.ReadAsStringAsync();
        var localHealth = await (await local.GetAsync("/health")).Content.ReadAsStringAsync();

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(publicHealth, Is.EqualTo("{\"status\":\"Healthy\"}"), "the world sees the status only");
        Assert.That(localHealth, Does.Contain("schema_version"), "this machine sees the details");
        Assert.That(metrics, Does.Match("http_request_duration_seconds_bucket\\{[^}]*endpoint=\"register\""), "latency by route pattern");
        Assert.That(metrics, Does.Contain("http_requests_received_total"));
        double Added(string series) => Sum(metrics, series) - Sum(before, series);
        Assert.That(Added("tautaurun_registrations_total{outcome=\"registered\"}"), Is.EqualTo(1), "one place");
        Assert.That(Added("tautaurun_registrations_total{outcome=\"waitlisted\"}"), Is.EqualTo(load.Acknowledged.Count - 1), "the others wait");
        foreach (var series in new[] { "tautaurun_outbox_queued ", "tautaurun_outbox_due ", "tautaurun_outbox_oldest_due_age_seconds ",
                     "tautaurun_email_failed ", "tautaurun_database_up 1", "tautaurun_standby_sync_connected ", "tautaurun_standby_sync_required ",
                     "db_client_connection" })
            Assert.That(metrics, Does.Contain(series), series);
    }

    [Test]
    public async Task Bodies_beyond_the_apps_limit_stop_at_nginx_and_static_files_are_compressed_and_cached_long()
    {
        using var client = door.NewClient();
        var page = await (await client.GetAsync("/register")).Content.ReadAsStringAsync();
        var css = StyleSheet().Match(page).Groups[1].Value;
        using var request = new HttpRequestMessage(HttpMethod.Get, css) { Headers = { { "Accept-Encoding", "gzip" } } };

        var tooLarge = await client.PostAsync("/register", new ByteArrayContent(new byte[300 * 1024]));
        var sheet = await client.SendAsync(request);

        Assert.That(tooLarge.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(sheet.StatusCode, Is.EqualTo(HttpStatusCode.OK), css);
        Assert.That(sheet.Content.Headers.ContentEncoding, Does.Contain("gzip"));
        Assert.That(sheet.Headers.CacheControl?.MaxAge, Is.GreaterThanOrEqualTo(TimeSpan.FromDays(365)), $"{css}: {sheet.Headers.CacheControl}");
    }

    [Test]
    public async Task A_rush_through_nginx_while_each_instance_is_drained_and_restarted_in_turn_sees_no_failure()
    {
        long[] categories = await CategoriesAsync();
        var load = new RegistrationLoad(() => door.NewClient(), categories);
        using var stop = new CancellationTokenSource();
        var rush = load.RunAsync(runners: 8, expected: _ => false, stop.Token);

        foreach (var instance in new[] { a, b })
        {
            await load.WhenAcknowledgedAsync(load.Acknowledged.Count + 10);
            var drain = await door.InstancesAsync("drain", instance.Port.ToString());
            Assert.That(drain.ExitCode, Is.Zero, drain.All);
            Assert.That(await File.ReadAllTextAsync(door.Upstream), Does.Contain($"127.0.0.1:{instance.Port} max_fails=3 fail_timeout=10s down;"));
            Assert.That(await instance.StopAsync(), Is.Zero, "a clean stop");
            await instance.StartAsync();
            var undrain = await door.InstancesAsync("undrain", instance.Port.ToString());
            Assert.That(undrain.ExitCode, Is.Zero, undrain.All);
        }
        await load.WhenAcknowledgedAsync(load.Acknowledged.Count + 10);
        await stop.CancelAsync();
        await rush;

        TestContext.Out.WriteLine($"answers: {string.Join(", ", load.Answers.Select(kv => $"{kv.Key}×{kv.Value}"))}; acknowledged {load.Acknowledged.Count}");
        Assert.That(load.Surprises, Is.Empty, NginxLog() + AppLog(a) + AppLog(b));
        Assert.That(load.LostAnswers, Is.Zero, "no request went unanswered");
        Assert.That(await RegistrationInvariants.ViolationsAsync(TestDatabase.ConnectionString, load.Acknowledged.ToList()), Is.Empty);
    }

    [Test]
    public async Task Draining_the_last_instance_nginx_sends_to_is_refused()
    {
        var first = await door.InstancesAsync("drain", a.Port.ToString());
        var last = await door.InstancesAsync("drain", b.Port.ToString());
        var back = await door.InstancesAsync("undrain", a.Port.ToString());
        var unknown = await door.InstancesAsync("drain", "1");

        Assert.That(first.ExitCode, Is.Zero, first.All);
        Assert.That(last.ExitCode, Is.EqualTo(1));
        Assert.That(last.Error, Does.Contain("last instance"));
        Assert.That(back.ExitCode, Is.Zero, back.All);
        Assert.That(unknown.ExitCode, Is.EqualTo(1));
        Assert.That(unknown.Error, Does.Contain("no instance on port 1"));
        Assert.That(await File.ReadAllTextAsync(door.Upstream), Does.Not.Contain("down;"));
    }

    [Test]
    public async Task The_same_form_posted_to_both_instances_as_a_replay_would_registers_once()
    {
        long category = (await CategoriesAsync())[0];
        var cookies = new CookieContainer();
        using var browser = door.NewClient(cookies);
        var page = await new FormClient(browser).GetAsync("/register");
        var fields = Runners.Form(category, $"replay-{Guid.NewGuid():N}@runners.test");
        // The antiforgery cookie came through nginx; both instances get it as the browser would send it
        // (cookies ignore the port, so one copy for 127.0.0.1 reaches both).
        foreach (Cookie cookie in cookies.GetCookies(door.HttpsAddress))
            cookies.Add(new Cookie(cookie.Name, cookie.Value, "/", a.BaseAddress.Host));
        using var toA = a.NewClient(cookies);
        using var toB = b.NewClient(cookies);

        var first = await new FormClient(toA).SubmitAsync(page, "/register", fields, "form.runner-form");
        var replay = await new FormClient(toB).SubmitAsync(page, "/register", fields, "form.runner-form");

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await first.Content.ReadAsStringAsync());
        Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await replay.Content.ReadAsStringAsync());
        Assert.That(replay.Headers.Location, Is.EqualTo(first.Headers.Location), "the replay finds the first registration");
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM participants WHERE email = @email", new { email = fields["Form.Email"] }),
            Is.EqualTo(1));
    }

    [Test]
    public async Task An_instance_killed_mid_rush_and_nginx_reloaded_mid_rush_lose_no_acknowledged_registration_and_register_nobody_twice()
    {
        long[] categories = await CategoriesAsync();
        var load = new RegistrationLoad(() => door.NewClient(), categories);
        using var stop = new CancellationTokenSource();
        // A POST that reached the killed instance is not passed to the other (nginx's default): the
        // runner sees 502 and submits the same form again, which the form's token makes safe.
        var rush = load.RunAsync(runners: 8, expected: status => status == HttpStatusCode.BadGateway, stop.Token);

        await load.WhenAcknowledgedAsync(10);
        await door.ReloadAsync();
        await load.WhenAcknowledgedAsync(load.Acknowledged.Count + 10);
        var beforeKill = load.Answers.GetValueOrDefault(502);
        await b.KillAsync();
        await load.WhenAcknowledgedAsync(load.Acknowledged.Count + 20);
        await b.StartAsync();
        await load.WhenAcknowledgedAsync(load.Acknowledged.Count + 10);
        await stop.CancelAsync();
        await rush;

        TestContext.Out.WriteLine($"answers: {string.Join(", ", load.Answers.Select(kv => $"{kv.Key}×{kv.Value}"))}; acknowledged {load.Acknowledged.Count}");
        Assert.That(beforeKill, Is.Zero, "the reload cost nothing");
        Assert.That(load.Surprises, Is.Empty, NginxLog());
        Assert.That(load.Answers.GetValueOrDefault(502), Is.LessThanOrEqualTo(8), "at most the requests in flight at the kill");
        Assert.That(await RegistrationInvariants.ViolationsAsync(TestDatabase.ConnectionString, load.Acknowledged.ToList()), Is.Empty);
    }

    private static async Task<long[]> CategoriesAsync()
    {
        await using var connection = await OpenAsync();
        // Each test its own races and bib ranges: the database is shared by the whole class.
        var first = Interlocked.Add(ref nextBib, 2000);
        return [await TestData.CategoryAsync(connection, $"5K-{first}", 15, bibFirst: first, bibLast: first + 999),
            await TestData.CategoryAsync(connection, $"10K-{first}", 15, bibFirst: first + 1000, bibLast: first + 1999)];
    }

    private static async Task<Npgsql.NpgsqlConnection> OpenAsync()
    {
        var connection = new Npgsql.NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static Task<HttpResponseMessage> LogInAsync(HttpClient client, string username) =>
        AdminSession.LogInWithFormsAsync(new FormClient(client), username, AdminSession.TestPassword);

    /// <summary>The sum of a series' values over both instances' scrapes (lines starting with the name and its labels).</summary>
    private static double Sum(string metrics, string series) => metrics.Split('\n')
        .Where(line => line.StartsWith(series + " ", StringComparison.Ordinal))
        .Sum(line => double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    private static string AppLog(AppProcess app) => string.Join("\n", Directory.GetFiles(app.LogDirectory, "api*.log")
        .SelectMany(file => { using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)); return reader.ReadToEnd().Split('\n'); })
        .Where(line => line.Contains(" 400 ") || line.Contains("ntiforgery") || line.Contains("WRN") || line.Contains("ERR")).TakeLast(40));

    private string NginxLog() => "nginx's error log:\n" + door.ErrorLog();

    [GeneratedRegex("<link rel=\"stylesheet\" href=\"([^\"]+)\"")]
    private static partial Regex StyleSheet();
}
