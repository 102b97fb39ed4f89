using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>
/// Two instances of the published app on one database, started together as a load balancer's pool
/// would be: what one does, the other honours, and what both do happens once.
/// </summary>
[Category("Faults")]
public sealed class TwoInstancesTests : DatabaseTest
{
    private const string Admin = "pool-admin";

    [Test]
    public async Task An_admin_signed_in_on_one_instance_is_signed_in_on_the_other()
    {
        await AdminSession.CreateAdminAsync(Admin, AdminSession.TestPassword);
        await using var pool = await Pool.StartAsync();
        var cookies = new CookieContainer();
        using var onA = pool.A.NewClient(cookies);
        using var onB = pool.B.NewClient(cookies);
        using var stranger = pool.B.NewClient();

        var login = await LogInAsync(new FormClient(onA), onA);
        var page = await onB.GetAsync("/admin");
        var strangers = await stranger.GetAsync("/admin");

        Assert.That(AdminSession.RedirectPath(login), Is.EqualTo("/admin"), "signed in on A");
        Assert.That(cookies.GetCookies(pool.A.BaseAddress)[Web.Admin.AdminSetup.CookieName], Is.Not.Null, "A issued the login cookie (no __Host- prefix over plain HTTP)");
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"B answered {(int)page.StatusCode} {AdminSession.RedirectPath(page)}");
        Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain(Admin), "B knows who is signed in");
        Assert.That(AdminSession.RedirectPath(strangers), Does.StartWith(AdminSession.AdminLogin), "B lets in only the signed-in");
    }

    [Test]
    public async Task A_form_served_by_one_instance_is_accepted_by_the_other()
    {
        await AdminSession.CreateAdminAsync(Admin, AdminSession.TestPassword);
        await using var pool = await Pool.StartAsync();
        var cookies = new CookieContainer();
        using var onA = pool.A.NewClient(cookies);
        using var onB = pool.B.NewClient(cookies);

        // The login form (and its antiforgery token) from A, posted to B: a load balancer without sticky sessions.
        var login = await LogInAsync(new FormClient(onA), onB);

        Assert.That(AdminSession.RedirectPath(login), Is.EqualTo("/admin"), $"B answered {(int)login.StatusCode}");
    }

    [Test]
    public async Task Registrations_through_both_instances_never_put_a_race_over_its_cap()
    {
        const int capacity = 10;
        long[] categories;
        await using (var connection = await OpenAsync())
            categories = [await TestData.CategoryAsync(connection, "5K", capacity, bibFirst: 1, bibLast: 999),
                await TestData.CategoryAsync(connection, "10K", capacity, bibFirst: 1000, bibLast: 1999)];
        await using var pool = await Pool.StartAsync();
        var load = new RegistrationLoad(pool.NewClient, categories);
        await load.RunUntilAcknowledgedAsync(runners: 8, count: 3 * 2 * capacity);

        Assert.That(load.Surprises, Is.Empty);
        Assert.That(await RegistrationInvariants.ViolationsAsync(TestDatabase.ConnectionString, load.Acknowledged.ToList()), Is.Empty);
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<int>("SELECT count(*) FROM category_slots WHERE participant_id IS NOT NULL"),
            Is.EqualTo(2 * capacity), "both races are full");
        Assert.That(await check.ExecuteScalarAsync<int>("SELECT count(*) FROM participants WHERE payment_status = 'WAITLISTED'"),
            Is.EqualTo(load.Acknowledged.Count - 2 * capacity), "everyone else waits");
    }

    [Test]
    public async Task With_both_instances_delivering_every_email_arrives_exactly_once()
    {
        long category;
        await using (var connection = await OpenAsync())
            category = await TestData.CategoryAsync(connection, capacity: 1000);
        await using var smtp = new TestSmtpServer();
        smtp.Start();
        // Small batches, so that the two workers take turns at the outbox.
        await using var pool = await Pool.StartAsync(smtp.ProcessSettings(("Email__BatchSize", "3")));
        var load = new RegistrationLoad(pool.NewClient, [category]);
        await load.RunUntilAcknowledgedAsync(runners: 6, count: 60);

        var violations = await DeliveryInvariants.AfterDrainingAsync(smtp, TimeSpan.FromSeconds(60));

        Assert.That(load.Surprises, Is.Empty);
        Assert.That(violations, Is.Empty);
        Assert.That(smtp.Messages, Has.Count.EqualTo(load.Acknowledged.Count));
    }

    [Test]
    public async Task The_expiry_job_on_both_instances_expires_each_overdue_registration_once_and_offers_its_place_once()
    {
        const int capacity = 12;
        long category;
        await using (var connection = await OpenAsync())
            category = await TestData.CategoryAsync(connection, capacity: capacity);
        await using var smtp = new TestSmtpServer();
        smtp.Start();
        await using var pool = await Pool.StartAsync(smtp.ProcessSettings(("Jobs__PaymentExpiry", "true"), ("Jobs__ExpiryInterval", "00:00:00.200")));
        var load = new RegistrationLoad(pool.NewClient, [category]);
        await load.RunUntilAcknowledgedAsync(runners: 4, count: capacity + capacity / 2);
        await using var check = await OpenAsync();
        var waiting = await check.ExecuteScalarAsync<int>("SELECT count(*) FROM participants WHERE payment_status = 'WAITLISTED'");

        // The payment deadline passes for a few runners at a time, while both jobs sweep every 200 ms.
        var overdue = (await check.QueryAsync<long>("SELECT id FROM participants WHERE payment_status = 'PENDING' ORDER BY id")).ToList();
        foreach (var wave in overdue.Chunk(3))
        {
            await check.ExecuteAsync("UPDATE participants SET status_changed_at = now() - interval '8 days' WHERE id = ANY(@wave)", new { wave });
            Assert.That(await UntilAsync(check, "SELECT NOT EXISTS (SELECT 1 FROM participants WHERE id = ANY(@wave) AND payment_status = 'PENDING')",
                new { wave }, TimeSpan.FromSeconds(30)), Is.True, "the overdue registrations expire");
        }
        var violations = await DeliveryInvariants.AfterDrainingAsync(smtp, TimeSpan.FromSeconds(60));

        var expiredEmails = (await check.QueryAsync<long>("SELECT participant_id FROM email_logs WHERE kind = 'REGISTRATION_EXPIRED'")).ToList();
        var offerEmails = (await check.QueryAsync<long>("SELECT participant_id FROM email_logs WHERE kind = 'WAITLIST_OFFER'")).ToList();
        var offered = (await check.QueryAsync<long>("SELECT id FROM participants WHERE payment_status = 'OFFERED'")).ToList();
        Assert.That(overdue, Has.Count.EqualTo(capacity), "the race was full of unpaid runners");
        Assert.That(waiting, Is.GreaterThan(0).And.LessThanOrEqualTo(capacity), "some runners wait, fewer than the places that free up");
        Assert.That(expiredEmails, Is.EquivalentTo(overdue), "one expiry email for each overdue runner");
        Assert.That(offered, Has.Count.EqualTo(waiting), "every waiting runner is offered a place");
        Assert.That(offerEmails, Is.EquivalentTo(offered), "one offer email for each");
        Assert.That(await RegistrationInvariants.ViolationsAsync(TestDatabase.ConnectionString, load.Acknowledged.ToList()), Is.Empty);
        Assert.That(violations, Is.Empty);
    }

    private static Task<HttpResponseMessage> LogInAsync(FormClient formFrom, HttpClient postTo) =>
        AdminSession.LogInWithFormsAsync(new FormClient(postTo), Admin, AdminSession.TestPassword, pagesFrom: formFrom);

    /// <summary>Polls a yes/no query until it says yes; false if the deadline passes first.</summary>
    private static async Task<bool> UntilAsync(Npgsql.NpgsqlConnection connection, string sql, object parameters, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await connection.ExecuteScalarAsync<bool>(sql, parameters))
                return true;
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>Two instances started at the same moment on one (empty) database, like a fresh pool behind a load balancer.</summary>
    private sealed class Pool : IAsyncDisposable
    {
        private int next;

        private Pool(AppProcess a, AppProcess b)
        {
            A = a;
            B = b;
        }

        public AppProcess A { get; }
        public AppProcess B { get; }

        public static async Task<Pool> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var starting = new[] { AppProcess.StartAsync(settings), AppProcess.StartAsync(settings) };
            try
            {
                await Task.WhenAll(starting);
            }
            catch
            {
                foreach (var started in starting.Where(s => s.IsCompletedSuccessfully))
                    await started.Result.DisposeAsync();
                throw;
            }
            TestContext.Out.WriteLine($"both instances ready after {clock.ElapsedMilliseconds} ms");
            return new Pool(starting[0].Result, starting[1].Result);
        }

        /// <summary>A new runner's browser, sent to A and B in turn (round robin).</summary>
        public HttpClient NewClient() => (Interlocked.Increment(ref next) % 2 == 0 ? A : B).NewClient();

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
        }
    }
}
