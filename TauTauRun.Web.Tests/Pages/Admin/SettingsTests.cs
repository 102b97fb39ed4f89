using System.Net;
using AngleSharp.Html.Parser;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

public sealed class SettingsTests : DatabaseTest
{
    private const string Password = "correct horse battery";
    private TestApp app = null!;

    [SetUp]
    public void StartApp() => app = new TestApp();

    [TearDown]
    public void StopApp() => app.Dispose();

    [Test]
    public async Task Saved_settings_are_stored_in_utc_and_shown_on_the_public_page_in_the_event_time_zone()
    {
        using var alice = await SignedInAsync("alice");
        using var visitor = app.CreateClient();
        await visitor.GetAsync("/"); // the settings cache now holds the old event

        var save = await SaveAsync(alice, ValidForm());

        Assert.That(AdminSession.RedirectPath(save), Is.EqualTo("/admin/settings"), await save.Content.ReadAsStringAsync());
        await using var connection = await OpenAsync();
        var startsAt = await connection.ExecuteScalarAsync<DateTime>("SELECT starts_at FROM event_settings");
        Assert.That(startsAt, Is.EqualTo(new DateTime(2027, 6, 21, 1, 30, 0, DateTimeKind.Utc)), "21:30 in New York in June is 01:30 UTC");
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT reply_to FROM event_settings"), Is.EqualTo("info@nightrun.test"));
        var home = new HtmlParser().ParseDocument(await visitor.GetStringAsync("/"));
        Assert.That(home.QuerySelector("h1")!.TextContent, Is.EqualTo("Tau-Tau Night Run"));
        Assert.That(home.QuerySelector(".when-where time")!.GetAttribute("datetime"), Does.StartWith("2027-06-21T01:30:00"));
        Assert.That(home.QuerySelector(".when-where")!.TextContent, Does.Contain("21:30").And.Contain("Central Park"));
        var form = new HtmlParser().ParseDocument(await (await alice.GetAsync("/admin/settings")).Content.ReadAsStringAsync());
        Assert.That(form.QuerySelector("input[name='Form.StartsAt']")!.GetAttribute("value"), Is.EqualTo("2027-06-20T21:30"));
    }

    [Test]
    public async Task A_change_writes_one_audit_row_with_only_the_changed_values_before_and_after()
    {
        using var alice = await SignedInAsync("alice");
        await SaveAsync(alice, new Dictionary<string, string> { ["Form.Place"] = "Harbour front" });

        await using var connection = await OpenAsync();
        var details = await connection.QuerySingleAsync<string>("SELECT details::text FROM audit_log WHERE action = 'settings.updated'");
        Assert.That(details, Does.Contain("\"before\": {\"place\": \"City Park, main entrance\"}").And.Contain("\"after\": {\"place\": \"Harbour front\"}"));
        Assert.That(details, Does.Not.Contain("name"), "unchanged values are left out");
    }

    [TestCase("Form.StartsAt", "2027-02-30T10:00", "Please enter a valid race start.")]
    [TestCase("Form.TimeZone", "Mars/Olympus_Mons", "Unknown time zone")]
    [TestCase("Form.RegistrationClosesAt", "2026-10-01T09:00", "Registration must close after it opens.")]
    [TestCase("Form.RegistrationClosesAt", "2027-07-01T09:00", "Registration must close before the race starts.")]
    [TestCase("Form.EditDeadline", "2027-06-21T09:00", "The edit deadline must be before the race starts.")]
    [TestCase("Form.StartsAt", "2027-03-14T02:30", "does not exist in America/New_York")]
    [TestCase("Form.PaymentDeadlineDays", "0", "Runners have 1 to 365 days to pay.")]
    [TestCase("Form.WaitlistOfferHours", "two", "Please enter a valid hours to accept a waiting-list offer.")]
    [TestCase("Form.Name", "", "Enter the event&#x27;s name.")]
    [TestCase("Form.ReplyTo", "Organiser <info@tautaurun.test>", "Enter one email address")]
    [TestCase("Form.ReplyTo", "info@tautaurun.test, ops@tautaurun.test", "Enter one email address")]
    [TestCase("Form.ReplyTo", "not an address", "Enter one email address")]
    public async Task Bad_input_is_a_400_with_a_message_and_changes_nothing(string field, string value, string message)
    {
        using var alice = await SignedInAsync("alice");
        await alice.GetAsync("/admin/settings");
        var stored = await StoredAsync();

        var save = await SaveAsync(alice, new Dictionary<string, string>(ValidForm()) { [field] = value });

        Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await save.Content.ReadAsStringAsync(), Does.Contain(message));
        Assert.That(await StoredAsync(), Is.EqualTo(stored));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'settings.updated'"), Is.Zero);
    }

    [Test]
    public async Task A_save_from_a_form_opened_before_someone_else_saved_is_refused_until_sent_again()
    {
        using var alice = await SignedInAsync("alice");
        using var bob = await SignedInAsync("bob");
        var alicesForm = await FormOfAsync(await alice.GetAsync("/admin/settings"));
        await SaveAsync(bob, new Dictionary<string, string> { ["Form.Place"] = "Bob's place" });

        alicesForm["Form.Name"] = "Alice's name";
        var stale = await alice.PostAsync("/admin/settings", alicesForm);
        var place = await StoredAsync();
        var again = await alice.PostAsync("/admin/settings", await FormOfAsync(stale));

        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await stale.Content.ReadAsStringAsync(), Does.Contain("Someone else saved the settings while you were editing"));
        Assert.That(place, Does.Contain("Bob's place").And.Not.Contain("Alice's name"));
        Assert.That(AdminSession.RedirectPath(again), Is.EqualTo("/admin/settings"), "sent again knowingly, it is saved");
        Assert.That(await StoredAsync(), Does.Contain("Alice's name"));
    }

    [Test]
    public async Task A_volunteer_sees_the_settings_but_cannot_change_them()
    {
        await AdminSession.CreateAdminAsync("vera", Password, role: "volunteer");
        using var vera = new AdminSession(app);
        await vera.LogInOrFailAsync("vera", Password);
        var page = await vera.GetAsync("/admin/settings");
        var stored = await StoredAsync();

        var save = await vera.PostAsync("/admin/settings", ValidForm(), tokenFrom: "/admin/password");

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var html = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        Assert.That(html.QuerySelector("input[name='Form.Name']")!.GetAttribute("value"), Is.EqualTo("Tau-Tau Run"));
        Assert.That(html.QuerySelector("main form button[type=submit]"), Is.Null);
        Assert.That(AdminSession.RedirectPath(save), Does.StartWith("/admin/denied"));
        Assert.That(await StoredAsync(), Is.EqualTo(stored));
    }

    private async Task<AdminSession> SignedInAsync(string username)
    {
        await AdminSession.CreateAdminAsync(username, Password);
        var session = new AdminSession(app);
        await session.LogInOrFailAsync(username, Password);
        return session;
    }

    /// <summary>Posts the settings form as the page filled it (its version too), with some values changed.</summary>
    private static async Task<HttpResponseMessage> SaveAsync(AdminSession session, IReadOnlyDictionary<string, string> changes)
    {
        var fields = await FormOfAsync(await session.GetAsync("/admin/settings"));
        foreach (var (name, value) in changes)
            fields[name] = value;
        return await session.PostAsync("/admin/settings", fields);
    }

    private static async Task<string> StoredAsync()
    {
        await using var connection = await OpenAsync();
        return await connection.QuerySingleAsync<string>("SELECT row_to_json(s)::text FROM event_settings s");
    }

    private static async Task<Dictionary<string, string>> FormOfAsync(HttpResponseMessage page)
    {
        var html = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        return FormClient.Fields((AngleSharp.Html.Dom.IHtmlFormElement)html.QuerySelector("main form")!)
            .Where(field => field.Key.StartsWith("Form.")).ToDictionary();
    }

    private static Dictionary<string, string> ValidForm() => new()
    {
        ["Form.Name"] = "Tau-Tau Night Run",
        ["Form.StartsAt"] = "2027-06-20T21:30",
        ["Form.TimeZone"] = "America/New_York",
        ["Form.Place"] = "Central Park",
        ["Form.Description"] = "Ten laps by lamplight.",
        ["Form.BankAccountHolder"] = "Night Run Club",
        ["Form.BankIban"] = "NL02ABNA0123456789",
        ["Form.BankBic"] = "ABNANL2A",
        ["Form.BankName"] = "ABN AMRO",
        ["Form.RegistrationOpensAt"] = "2026-11-01T09:00",
        ["Form.RegistrationClosesAt"] = "2027-06-01T23:59",
        ["Form.PaymentDeadlineDays"] = "10",
        ["Form.EditDeadline"] = "2027-06-10T12:00",
        ["Form.WaitlistOfferHours"] = "24",
        ["Form.WaiverText"] = "I run at my own risk.",
        ["Form.WaiverVersion"] = "2027-1",
        ["Form.ReplyTo"] = "info@nightrun.test",
    };
}
