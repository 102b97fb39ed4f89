using System.Net;
using AngleSharp.Html.Parser;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

public sealed class CategoriesTests : DatabaseTest
{
    private const string Password = "correct horse battery";
    private TestApp app = null!;

    [SetUp]
    public void StartApp() => app = new TestApp();

    [TearDown]
    public void StopApp() => app.Dispose();

    [Test]
    public async Task Adds_a_race_with_its_price_in_exact_cents_and_its_places()
    {
        using var alice = await SignedInAsync();

        var add = await alice.PostAsync("/admin/categories", Race("5K", price: "19.99", capacity: "3"));

        Assert.That(AdminSession.RedirectPath(add), Is.EqualTo("/admin/categories"), await add.Content.ReadAsStringAsync());
        await using var connection = await OpenAsync();
        var race = await connection.QuerySingleAsync<(long Id, long PriceMinor, int BibFirst, int BibLast)>(
            "SELECT id, price_minor, bib_first, bib_last FROM race_categories WHERE name = '5K'");
        Assert.That(race.PriceMinor, Is.EqualTo(1999), "19.99 is 1999 cents, not 1998.9999…");
        Assert.That((race.BibFirst, race.BibLast), Is.EqualTo((1, 100)));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM category_slots WHERE category_id = @Id", new { race.Id }), Is.EqualTo(3));
        var audit = await connection.QuerySingleAsync<string>("SELECT details::text FROM audit_log WHERE action = 'category.created'");
        Assert.That(audit, Does.Contain("\"price_minor\": 1999").And.Contain("\"capacity\": 3"));
        Assert.That(await (await alice.GetAsync("/admin/categories")).Content.ReadAsStringAsync(), Does.Contain("EUR 19.99"));
    }

    [TestCase("Form.Price", "-5", "no minus sign, at most two decimals")]
    [TestCase("Form.Price", "25.001", "no minus sign, at most two decimals")]
    [TestCase("Form.Price", "1e3", "no minus sign, at most two decimals")]
    [TestCase("Form.Capacity", "-1", "The capacity is 0 to 100,000 places.")]
    [TestCase("Form.Capacity", "101", "fewer than the capacity")]
    [TestCase("Form.BibLast", "0", "Bib numbers start at 1.")]
    [TestCase("Form.Currency", "euro", "three capital letters")]
    [TestCase("Form.IsOpen", "yes please", "Please enter a valid open for registration.")]
    public async Task Bad_input_is_a_400_with_a_message_and_adds_nothing(string field, string value, string message)
    {
        using var alice = await SignedInAsync();

        var add = await alice.PostAsync("/admin/categories", new Dictionary<string, string>(Race("5K")) { [field] = value });

        Assert.That(add.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await add.Content.ReadAsStringAsync(), Does.Contain(message));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM race_categories"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action LIKE 'category.%'"), Is.Zero);
    }

    [Test]
    public async Task Raising_the_capacity_offers_the_new_places_to_the_waiting_list_by_email()
    {
        long raceId;
        await using (var connection = await OpenAsync())
            raceId = await TestData.CategoryAsync(connection, "10K", capacity: 1, bibFirst: 1, bibLast: 100);
        await RegisterAsync(raceId);
        var first = await RegisterAsync(raceId, joinWaitlist: true);
        var second = await RegisterAsync(raceId, joinWaitlist: true);
        using var alice = await SignedInAsync();

        var save = await EditAsync(alice, raceId, Race("10K", capacity: "2"));

        Assert.That(AdminSession.RedirectPath(save), Is.EqualTo("/admin/categories"), await save.Content.ReadAsStringAsync());
        Assert.That(await (await alice.GetAsync("/admin/categories")).Content.ReadAsStringAsync(), Does.Contain("1 place(s) offered to the waiting list."));
        await using var check = await OpenAsync();
        Assert.That(await Runners.StatusOfAsync(check, first), Is.EqualTo("OFFERED"));
        Assert.That(await Runners.StatusOfAsync(check, second), Is.EqualTo("WAITLISTED"));
        Assert.That(await check.QueryAsync<string>("SELECT recipient FROM email_logs WHERE kind = 'WAITLIST_OFFER'"), Is.EqualTo(new[] { first }));
        var audit = await check.QuerySingleAsync<string>("SELECT details::text FROM audit_log WHERE action = 'category.updated'");
        Assert.That(audit, Does.Contain("\"before\": {\"capacity\": 1}").And.Contain("\"after\": {\"capacity\": 2}").And.Contain("\"offeredToWaitlist\": 1"));
    }

    [Test]
    public async Task Lowering_the_capacity_below_the_places_taken_is_refused_with_a_clear_message()
    {
        long raceId;
        await using (var connection = await OpenAsync())
            raceId = await TestData.CategoryAsync(connection, "10K", capacity: 3, bibFirst: 1, bibLast: 100);
        await RegisterAsync(raceId);
        await RegisterAsync(raceId);
        using var alice = await SignedInAsync();

        var save = await EditAsync(alice, raceId, Race("10K", capacity: "1"));

        Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await save.Content.ReadAsStringAsync(), Does.Contain("2 places in 10K are taken (registered, paid or offered): the capacity cannot be lower than 2."));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<int>("SELECT capacity FROM race_categories WHERE id = @raceId", new { raceId }), Is.EqualTo(3));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM category_slots WHERE category_id = @raceId", new { raceId }), Is.EqualTo(3));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'category.updated'"), Is.Zero);
    }

    [Test]
    public async Task Lowering_the_capacity_to_the_places_taken_frees_the_rest()
    {
        long raceId;
        await using (var connection = await OpenAsync())
            raceId = await TestData.CategoryAsync(connection, "10K", capacity: 3, bibFirst: 1, bibLast: 100);
        await RegisterAsync(raceId);
        using var alice = await SignedInAsync();

        var save = await EditAsync(alice, raceId, Race("10K", capacity: "1"));

        Assert.That(AdminSession.RedirectPath(save), Is.EqualTo("/admin/categories"));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM category_slots WHERE category_id = @raceId", new { raceId }), Is.EqualTo(1));
    }

    [Test]
    public async Task A_bib_range_that_overlaps_another_race_is_refused_with_a_clear_message()
    {
        long tenK;
        await using (var connection = await OpenAsync())
        {
            await TestData.CategoryAsync(connection, "5K", capacity: 10, bibFirst: 1, bibLast: 999);
            tenK = await TestData.CategoryAsync(connection, "10K", capacity: 10, bibFirst: 1001, bibLast: 1999);
        }
        using var alice = await SignedInAsync();

        var edit = await EditAsync(alice, tenK, Race("10K", capacity: "10", bibFirst: "900", bibLast: "1999"));
        var add = await alice.PostAsync("/admin/categories", Race("Half", capacity: "10", bibFirst: "1500", bibLast: "2500"));

        Assert.That(edit.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await TextAsync(edit), Does.Contain("Bibs 900–1999 overlap the 5K (bibs 1–999): each bib belongs to one race."));
        Assert.That(add.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await TextAsync(add), Does.Contain("Bibs 1500–2500 overlap the 10K (bibs 1001–1999)"));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<int>("SELECT bib_first FROM race_categories WHERE id = @tenK", new { tenK }), Is.EqualTo(1001));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM race_categories"), Is.EqualTo(2));
    }

    [Test]
    public async Task An_edit_audits_only_what_changed_and_the_form_shows_the_stored_price()
    {
        long raceId;
        await using (var connection = await OpenAsync())
            raceId = await TestData.CategoryAsync(connection, "10K", capacity: 10, bibFirst: 1, bibLast: 100);
        using var alice = await SignedInAsync();
        var page = new HtmlParser().ParseDocument(await (await alice.GetAsync($"/admin/categories/{raceId}")).Content.ReadAsStringAsync());

        await EditAsync(alice, raceId, Race("10K", price: "27.5", capacity: "10"));

        Assert.That(page.QuerySelector("input[name='Form.Price']")!.GetAttribute("value"), Is.EqualTo("25.00"));
        await using var check = await OpenAsync();
        var audit = await check.QuerySingleAsync<string>("SELECT details::text FROM audit_log WHERE action = 'category.updated'");
        Assert.That(audit, Does.Contain("\"before\": {\"price_minor\": 2500}").And.Contain("\"after\": {\"price_minor\": 2750}"));
    }

    [Test]
    public async Task An_edit_from_a_form_opened_before_someone_else_saved_is_refused()
    {
        long raceId;
        await using (var connection = await OpenAsync())
            raceId = await TestData.CategoryAsync(connection, "10K", capacity: 10, bibFirst: 1, bibLast: 100);
        using var alice = await SignedInAsync();
        var version = await VersionAsync(alice, raceId);
        await EditAsync(alice, raceId, Race("10K", capacity: "20"));

        var stale = await alice.PostAsync($"/admin/categories/{raceId}", new Dictionary<string, string>(Race("10K", capacity: "10")) { ["Form.Version"] = version });

        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await TextAsync(stale), Does.Contain("Someone else changed this race while you were editing"));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<int>("SELECT capacity FROM race_categories WHERE id = @raceId", new { raceId }), Is.EqualTo(20));
    }

    [Test]
    public async Task A_volunteer_sees_the_races_but_cannot_add_or_change_one()
    {
        long raceId;
        await using (var connection = await OpenAsync())
            raceId = await TestData.CategoryAsync(connection, "10K", capacity: 10, bibFirst: 1, bibLast: 100);
        await AdminSession.CreateAdminAsync("vera", Password, role: "volunteer");
        using var vera = new AdminSession(app);
        await vera.LogInOrFailAsync("vera", Password);

        var list = await vera.GetAsync("/admin/categories");
        var edit = await vera.PostAsync($"/admin/categories/{raceId}", Race("10K", capacity: "50"), tokenFrom: "/admin/password");
        var add = await vera.PostAsync("/admin/categories", Race("5K"), tokenFrom: "/admin/password");

        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await list.Content.ReadAsStringAsync(), Does.Contain("10K"));
        Assert.That(AdminSession.RedirectPath(edit), Does.StartWith("/admin/denied"));
        Assert.That(AdminSession.RedirectPath(add), Does.StartWith("/admin/denied"));
        await using var check = await OpenAsync();
        Assert.That(await check.QueryAsync<(string, int)>("SELECT name, capacity FROM race_categories"), Is.EqualTo(new[] { ("10K", 10) }));
    }

    /// <summary>What the page says, as a reader sees it (entities decoded).</summary>
    private static async Task<string> TextAsync(HttpResponseMessage response) =>
        new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()).QuerySelector("main")!.TextContent;

    /// <summary>Posts the edit form of a race with the version its page shows, as a browser would.</summary>
    [Test]
    public async Task Price_tiers_are_saved_with_the_race_in_the_events_time_and_a_refused_tier_edit_says_why_beside_nothing_changed()
    {
        using var alice = await SignedInAsync();
        var add = await alice.PostAsync("/admin/categories", new Dictionary<string, string>(Race("10K"))
        {
            ["Form.Tiers[0].Name"] = "Early bird", ["Form.Tiers[0].Price"] = "20", ["Form.Tiers[0].EndsAt"] = "2099-03-01T12:00",
            ["Form.Tiers[0].Places"] = "100",
        });
        Assert.That(AdminSession.RedirectPath(add), Is.EqualTo("/admin/categories"), await add.Content.ReadAsStringAsync());
        long raceId, tierId;
        await using (var connection = await OpenAsync())
        {
            (raceId, tierId) = await connection.QuerySingleAsync<(long, long)>("SELECT category_id, id FROM price_tiers");
            Assert.That(await connection.ExecuteScalarAsync<DateTime>("SELECT ends_at FROM price_tiers"),
                Is.EqualTo(new DateTime(2099, 3, 1, 11, 0, 0)), "12:00 in Amsterdam in winter is 11:00 UTC");
        }
        await RegisterAsync(raceId);

        var save = await EditAsync(alice, raceId, new Dictionary<string, string>(Race("10K"))
        {
            ["Form.Tiers[0].Id"] = tierId.ToString(), ["Form.Tiers[0].Name"] = "Early bird", ["Form.Tiers[0].Price"] = "22",
            ["Form.Tiers[0].EndsAt"] = "2099-03-01T12:00", ["Form.Tiers[0].Places"] = "100",
        });

        Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await save.Content.ReadAsStringAsync(), Does.Contain("1 runner registered at the Early bird price (EUR 20.00): its price cannot change"));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT price_minor FROM price_tiers"), Is.EqualTo(2000));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT amount_due_minor FROM participants"), Is.EqualTo(2000));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'category.updated'"), Is.Zero);
    }

    [Test]
    public async Task A_tier_without_an_end_is_refused_beside_its_field()
    {
        using var alice = await SignedInAsync();

        var add = await alice.PostAsync("/admin/categories", new Dictionary<string, string>(Race("10K"))
        {
            ["Form.Tiers[0].Name"] = "Early bird", ["Form.Tiers[0].Price"] = "20",
        });

        Assert.That(add.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var page = new HtmlParser().ParseDocument(await add.Content.ReadAsStringAsync());
        Assert.That(page.GetElementById("Form_Tiers_0__EndsAt-error")!.TextContent, Does.Contain("Give the tier an end"));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM race_categories"), Is.Zero);
    }

    private static async Task<HttpResponseMessage> EditAsync(AdminSession session, long raceId, IReadOnlyDictionary<string, string> fields) =>
        await session.PostAsync($"/admin/categories/{raceId}",
            new Dictionary<string, string>(fields) { ["Form.Version"] = await VersionAsync(session, raceId) });

    private static async Task<string> VersionAsync(AdminSession session, long raceId) =>
        new HtmlParser().ParseDocument(await (await session.GetAsync($"/admin/categories/{raceId}")).Content.ReadAsStringAsync())
            .QuerySelector("input[name='Form.Version']")!.GetAttribute("value")!;

    private async Task<string> RegisterAsync(long categoryId, bool joinWaitlist = false)
    {
        var form = Runners.Form(categoryId);
        if (joinWaitlist)
            form["Form.JoinWaitlist"] = "true";
        Runners.StatusPath(await Runners.RegisterAsync(app, form));
        return form["Form.Email"];
    }

    private async Task<AdminSession> SignedInAsync()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        var session = new AdminSession(app);
        await session.LogInOrFailAsync("alice", Password);
        return session;
    }

    private static Dictionary<string, string> Race(string name, string price = "25.00", string capacity = "100",
        string bibFirst = "1", string bibLast = "100") => new()
        {
            ["Form.Name"] = name,
            ["Form.DistanceMeters"] = "10000",
            ["Form.Price"] = price,
            ["Form.Currency"] = "EUR",
            ["Form.Capacity"] = capacity,
            ["Form.BibFirst"] = bibFirst,
            ["Form.BibLast"] = bibLast,
            ["Form.MinimumAge"] = "0",
            ["Form.SortOrder"] = "0",
            ["Form.IsOpen"] = "true",
        };
}
