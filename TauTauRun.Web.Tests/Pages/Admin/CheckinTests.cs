using System.Net;
using AngleSharp.Html.Dom;
using Dapper;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Email;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

/// <summary>
/// Bib pickup at /admin/checkin: finding a runner every way a volunteer can, the one-tap marks with who
/// and when, undo, the unpaid refusal, two phones at once, and who sees medical notes. One app for the
/// fixture; the tables are emptied before each test.
/// </summary>
public sealed class CheckinTests : DatabaseTest
{
    private static readonly AuditActor Desk = new(null, "desk", null);
    private TestApp app = null!;
    private long race;

    // Admin ids start again after each reset, so the session cache would remember another test's admin.
    [OneTimeSetUp]
    public void StartApp() => app = new TestApp(settings: new Dictionary<string, string?> { ["TauTauRun:Admin:SessionCheckSeconds"] = "0" });

    [OneTimeTearDown]
    public void StopApp() => app.Dispose();

    [SetUp]
    public async Task RaceAsync()
    {
        await using var connection = await OpenAsync();
        race = await TestData.CategoryAsync(connection, "21K", capacity: 10, bibFirst: 700, bibLast: 799);
    }

    /// <summary>A runner registered and paid the way the app does it (bib from the range, confirmation email queued).</summary>
    private async Task<(long Id, string Token, string Reference)> PaidRunnerAsync(string name, string medicalNotes = "")
    {
        var token = StatusTokens.New();
        await app.Services.GetRequiredService<Registrar>().RegisterAsync(new Registrar.NewRunner(race, name,
            $"{name.ToLowerInvariant().Replace(' ', '.')}@runners.test", "+31612345678", new DateOnly(1990, 4, 1), "F", "L", "Contact Person",
            "+31687654321", medicalNotes, "", "2026-1"), token, joinWaitlist: false);
        await using var connection = await OpenAsync();
        var (id, reference) = await connection.QuerySingleAsync<(long, string)>(
            "SELECT id, reference FROM participants WHERE access_token_hash = @hash", new { hash = StatusTokens.Hash(token) });
        var paid = await app.Services.GetRequiredService<AdminChanges>().MarkPaidAsync(id,
            new AdminChanges.Payment(2500, "BANK_TRANSFER", null, new DateOnly(2026, 11, 1)), Desk);
        Assert.That(paid.Done, paid.Message);
        return (id, token, reference);
    }

    private static async Task<IHtmlDocument> FindAsync(AdminSession session, string query)
    {
        var response = await session.GetAsync("/admin/checkin?q=" + Uri.EscapeDataString(query));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return await FormClient.ParseAsync(response);
    }

    private static string? Text(IHtmlDocument page, string selector) => page.QuerySelector(selector)?.TextContent.Trim();

    private static Task<HttpResponseMessage> MarkAsync(AdminSession session, long id, string item, bool handed) =>
        session.PostAsync("/admin/checkin?handler=Mark", new Dictionary<string, string>
        {
            ["id"] = id.ToString(), ["item"] = item, ["handed"] = handed ? "true" : "false",
        }, tokenFrom: "/admin/checkin");

    [Test]
    public async Task A_paid_runner_is_found_by_bib_reference_and_qr_content_and_marked_with_who_and_when_then_undone()
    {
        var anna = await PaidRunnerAsync("Anna Smit");
        await PaidRunnerAsync("Anneke Jansen");
        using var volunteer = await AdminSession.SignedInAsync(app, "vera", AdminPolicies.Volunteer);

        var code = anna.Reference[4..];
        foreach (var query in new[] { "700", anna.Reference, $"ttr {code[..3]} {code[3..].ToLowerInvariant()}", anna.Reference /* the QR holds just this */ })
            Assert.That(Text(await FindAsync(volunteer, query), ".checkin-card h2"), Is.EqualTo("Anna Smit"), query);
        var byName = await FindAsync(volunteer, "ann");
        Assert.That(byName.QuerySelectorAll(".checkin-matches li"), Has.Length.EqualTo(2), "a fragment matching two lists both");
        var card = await FindAsync(volunteer, "smit");
        Assert.That((Text(card, ".checkin-bib"), Text(card, ".checkin-size"), card.QuerySelector(".checkin-warning")),
            Is.EqualTo(("700", "L", (AngleSharp.Dom.IElement?)null)));

        var marked = await MarkAsync(volunteer, anna.Id, "Bib", handed: true);
        Assert.That(AdminSession.RedirectPath(marked), Does.StartWith($"/admin/checkin?id={anna.Id}"));
        var after = await FormClient.ParseAsync(await volunteer.GetAsync(AdminSession.RedirectPath(marked)!));
        Assert.That(Text(after, ".message"), Does.Contain("bib handed out"));
        Assert.That(Text(after, ".checkin-done"), Does.Match(@"Bib handed out by vera at \d\d:\d\d \(Europe/Amsterdam\)"));
        Assert.That(Text(after, ".checkin-counts tr:nth-child(2)"), Does.Contain("21K").And.Contain("1").And.Contain("2"));
        Assert.That((await MarkAsync(volunteer, anna.Id, "Tshirt", handed: true)).StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That((await MarkAsync(volunteer, anna.Id, "Bib", handed: false)).StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        await using var connection = await OpenAsync();
        var row = await connection.QuerySingleAsync<(DateTime? BibAt, string? TshirtBy)>(
            "SELECT bib_collected_at, tshirt_handed_by FROM participants WHERE id = @Id", new { anna.Id });
        Assert.That(row, Is.EqualTo(((DateTime?)null, (string?)"vera")), "the bib undone, the T-shirt kept");
        Assert.That(await connection.QueryAsync<string>("SELECT action FROM audit_log WHERE participant_id = @Id AND actor = 'vera' ORDER BY id", new { anna.Id }),
            Is.EqualTo(new[] { "checkin.bib_handed", "checkin.tshirt_handed", "checkin.bib_undone" }));
    }

    [Test]
    public async Task An_unpaid_or_cancelled_runner_gets_a_warning_and_nothing_can_be_handed_out()
    {
        await using var connection = await OpenAsync();
        var pending = await TestData.ParticipantAsync(connection, race, "PENDING");
        var cancelled = await TestData.ParticipantAsync(connection, race, "CANCELLED");
        using var admin = await AdminSession.SignedInAsync(app, "boss");

        var page = await FormClient.ParseAsync(await admin.GetAsync($"/admin/checkin?id={pending}"));
        Assert.That(Text(page, ".checkin-warning"), Does.StartWith("NOT PAID (PENDING)"));
        Assert.That(page.QuerySelector(".checkin-do")!.HasAttribute("disabled"), Is.True);
        Assert.That(Text(await FormClient.ParseAsync(await admin.GetAsync($"/admin/checkin?id={cancelled}")), ".checkin-warning"),
            Does.StartWith("CANCELLED"));

        var forced = await MarkAsync(admin, pending, "Bib", handed: true);
        var answer = await FormClient.ParseAsync(await admin.GetAsync(AdminSession.RedirectPath(forced)!));
        Assert.That(Text(answer, ".message"), Does.Contain("not paid"));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM participants WHERE bib_collected_at IS NOT NULL"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action LIKE 'checkin.%'"), Is.Zero);
    }

    [Test]
    public async Task Of_two_phones_checking_in_one_runner_at_once_one_wins_and_the_other_sees_by_whom()
    {
        var anna = await PaidRunnerAsync("Anna Smit");
        var checkIn = app.Services.GetRequiredService<CheckIn>();
        var phones = Enumerable.Range(1, 6).Select(n => new AuditActor(null, $"phone{n}", null)).ToArray();

        var outcomes = await Task.WhenAll(phones.Select(phone =>
            Task.Run(() => checkIn.MarkAsync(anna.Id, CheckIn.Item.Bib, handed: true, phone, TimeZoneInfo.Utc))));

        var winners = outcomes.Where(o => o.Done).ToArray();
        Assert.That(winners, Has.Length.EqualTo(1));
        await using var connection = await OpenAsync();
        var by = await connection.ExecuteScalarAsync<string>("SELECT bib_collected_by FROM participants WHERE id = @Id", new { anna.Id });
        Assert.That(outcomes.Where(o => !o.Done).Select(o => o.Message), Has.All.Contain($"already handed out by {by} at"));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'checkin.bib_handed'"), Is.EqualTo(1));

        // Over HTTP the late phone is told the same on its page.
        using var late = await AdminSession.SignedInAsync(app, "late", AdminPolicies.Volunteer);
        var answer = await MarkAsync(late, anna.Id, "Bib", handed: true);
        Assert.That(Text(await FormClient.ParseAsync(await late.GetAsync(AdminSession.RedirectPath(answer)!)), ".message"),
            Does.Contain($"already handed out by {by}"));
    }

    [Test]
    public async Task A_volunteer_never_sees_medical_notes_nor_downloads_the_list_an_admin_does_both()
    {
        var anna = await PaidRunnerAsync("Anna Smit", medicalNotes: "Asthma, inhaler in bag");
        using var volunteer = await AdminSession.SignedInAsync(app, "vera", AdminPolicies.Volunteer);
        using var admin = await AdminSession.SignedInAsync(app, "boss");

        foreach (var path in new[] { $"/admin/checkin?id={anna.Id}", $"/admin/participants/{anna.Id}" })
        {
            Assert.That(await (await volunteer.GetAsync(path)).Content.ReadAsStringAsync(), Does.Not.Contain("Asthma"), path);
            Assert.That(await (await admin.GetAsync(path)).Content.ReadAsStringAsync(), Does.Contain("Asthma"), path);
        }
        Assert.That((await volunteer.GetAsync("/admin/checkin?handler=NotCollected")).StatusCode, Is.Not.EqualTo(HttpStatusCode.OK));
        var csv = await admin.GetAsync("/admin/checkin?handler=NotCollected");
        Assert.That(csv.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/csv"));
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.EqualTo(new[] { "race,bib,reference,name,tshirt_size", $"21K,700,{anna.Reference},Anna Smit,L" }));
    }

    [Test]
    public async Task The_status_page_and_the_payment_email_carry_the_reference_as_a_qr_code()
    {
        var anna = await PaidRunnerAsync("Anna Smit");

        var status = await app.CreateClient().GetStringAsync($"/status/{anna.Token}");
        await using var connection = await OpenAsync();
        var email = await connection.QuerySingleAsync<(string Html, string Text)>(
            "SELECT html_body, text_body FROM email_logs WHERE participant_id = @Id AND kind = 'PAYMENT_CONFIRMED'", new { anna.Id });

        var code = ReferenceQrCode.Svg(anna.Reference);
        Assert.That(code, Does.StartWith("<svg").And.Contain("viewBox").And.Not.Contain("style="), "no inline style for the CSP to block");
        Assert.That(code, Is.Not.EqualTo(ReferenceQrCode.Svg(StatusTokens.New())), "the code depends on what it holds");
        Assert.That(status, Does.Contain(code));
        Assert.That(email.Html, Does.Contain(code));
        Assert.That(email.Text, Does.Contain(anna.Reference));
    }
}
