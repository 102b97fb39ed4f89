using System.Net;
using Dapper;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin.Participants;

/// <summary>Marking paid: a bib from the race's range, the confirmation email and the audit row, exactly once.</summary>
public sealed class PaymentTests : DatabaseTest
{
    private TestApp app = null!;

    [SetUp]
    public void Start() => app = new TestApp();

    [TearDown]
    public void Stop() => app.Dispose();

    [Test]
    public async Task Marking_paid_on_the_page_assigns_the_first_bib_queues_the_email_and_writes_the_audit_row()
    {
        var (categoryId, runner) = await RegisteredRunnerAsync(bibFirst: 101, bibLast: 105);
        using var admin = await LoggedInAsync("admin");

        var response = await admin.PostAsync($"/admin/participants/{runner}?handler=MarkPaid", new Dictionary<string, string>
        {
            ["Payment.Amount"] = "25,00", ["Payment.Method"] = "BANK_TRANSFER", ["Payment.BankReference"] = "NL-REF-1", ["Payment.PaidOn"] = "2026-11-29",
        }, tokenFrom: $"/admin/participants/{runner}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        await using var connection = await OpenAsync();
        var row = await connection.QuerySingleAsync<(string Status, int Bib, long Paid, string Method)>(
            "SELECT payment_status, bib, amount_paid_minor, payment_method FROM participants WHERE id = @runner", new { runner });
        Assert.That(row, Is.EqualTo(("PAID", 101, 2500L, "BANK_TRANSFER")));
        Assert.That(await connection.QueryAsync<string>("SELECT kind FROM email_logs WHERE participant_id = @runner ORDER BY id", new { runner }),
            Is.EqualTo(new[] { "REGISTRATION_RECEIVED", "PAYMENT_CONFIRMED" }));
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT action FROM audit_log WHERE participant_id = @runner AND action <> 'participant.viewed'", new { runner }),
            Is.EqualTo("payment.marked_paid"));
        var page = await FormClient.ParseAsync(await admin.GetAsync($"/admin/participants/{runner}"));
        Assert.That(page.QuerySelector(".status")!.TextContent, Does.Contain("bib 101"));
        _ = categoryId;
    }

    [Test]
    public async Task Two_admins_marking_the_same_runner_at_once_give_one_bib_one_email_and_one_audit_row()
    {
        var (_, runner) = await RegisteredRunnerAsync();
        var payments = app.Services.GetRequiredService<AdminChanges>();
        var payment = new AdminChanges.Payment(2500, "BANK_TRANSFER", null, new DateOnly(2026, 11, 29));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            payments.MarkPaidAsync(runner, payment, new AuditActor(null, $"admin{i}", "127.0.0.1"))));

        Assert.That(outcomes.Count(o => o.Done), Is.EqualTo(1));
        Assert.That(outcomes.Where(o => !o.Done).Select(o => o.Message), Has.All.Contains("is PAID now"));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs WHERE kind = 'PAYMENT_CONFIRMED'"), Is.EqualTo(1));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'payment.marked_paid'"), Is.EqualTo(1));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM participants WHERE bib IS NOT NULL"), Is.EqualTo(1));
    }

    [Test]
    public async Task Bibs_are_unique_within_the_range_and_an_exhausted_range_is_a_clear_refusal()
    {
        long categoryId;
        await using (var connection = await OpenAsync())
            categoryId = await TestData.CategoryAsync(connection, capacity: 10, bibFirst: 7, bibLast: 9);
        var runners = new List<long>();
        for (var i = 0; i < 4; i++)
            runners.Add(await RegisterAsync(categoryId));
        var payments = app.Services.GetRequiredService<AdminChanges>();
        var payment = new AdminChanges.Payment(2500, "CASH", null, new DateOnly(2026, 11, 29));

        var outcomes = await Task.WhenAll(runners.Select(r => payments.MarkPaidAsync(r, payment, new AuditActor(null, "admin", null))));

        Assert.That(outcomes.Where(o => o.Done).Select(o => o.Bib), Is.EquivalentTo(new[] { 7, 8, 9 }));
        Assert.That(outcomes.Single(o => !o.Done).Message, Does.Contain("No bib numbers are left"));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM participants WHERE payment_status = 'PAID'"), Is.EqualTo(3));
    }

    [Test]
    public async Task A_bib_is_never_given_again_after_its_runner_cancels()
    {
        long categoryId;
        await using (var connection = await OpenAsync())
            categoryId = await TestData.CategoryAsync(connection, capacity: 10, bibFirst: 1, bibLast: 99);
        var payments = app.Services.GetRequiredService<AdminChanges>();
        var actor = new AuditActor(null, "admin", null);
        var payment = new AdminChanges.Payment(2500, "CASH", null, new DateOnly(2026, 11, 29));
        var first = await RegisterAsync(categoryId);
        await payments.MarkPaidAsync(first, payment, actor);
        await payments.CancelAsync(first, "changed plans", actor);

        var second = await payments.MarkPaidAsync(await RegisterAsync(categoryId), payment, actor);

        Assert.That(second.Bib, Is.EqualTo(2));
    }

    [Test]
    public async Task Back_to_pending_needs_a_reason_keeps_the_bib_and_refund_releases_the_place()
    {
        var (_, runner) = await RegisteredRunnerAsync();
        var payments = app.Services.GetRequiredService<AdminChanges>();
        var actor = new AuditActor(null, "admin", null);
        var paid = await payments.MarkPaidAsync(runner, new AdminChanges.Payment(2500, "CASH", null, new DateOnly(2026, 11, 29)), actor);
        using var admin = await LoggedInAsync("admin");

        var noReason = await admin.PostAsync($"/admin/participants/{runner}?handler=MarkPending", new Dictionary<string, string> { ["reason"] = " " },
            tokenFrom: $"/admin/participants/{runner}");
        await using var connection = await OpenAsync();
        Assert.That(noReason.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT payment_status FROM participants"), Is.EqualTo("PAID"));

        await payments.MarkPendingAsync(runner, "payment bounced", actor);
        var again = await payments.MarkPaidAsync(runner, new AdminChanges.Payment(2500, "CASH", null, new DateOnly(2026, 11, 30)), actor);
        Assert.That(again.Bib, Is.EqualTo(paid.Bib), "the runner keeps the bib they had");
        await payments.RefundAsync(runner, "injured", actor);

        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT payment_status FROM participants"), Is.EqualTo("REFUNDED"));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM category_slots WHERE participant_id IS NOT NULL"), Is.Zero);
        Assert.That(await connection.QueryAsync<string>("SELECT action FROM audit_log WHERE participant_id IS NOT NULL AND action <> 'participant.viewed' ORDER BY id"),
            Is.EqualTo(new[] { "payment.marked_paid", "payment.marked_pending", "payment.marked_paid", "payment.refunded" }));
    }

    [Test]
    public async Task A_volunteer_can_look_a_runner_up_but_not_mark_them_paid()
    {
        var (_, runner) = await RegisteredRunnerAsync();
        using var volunteer = await LoggedInAsync("volunteer");

        var page = await volunteer.GetAsync($"/admin/participants/{runner}");
        var post = await volunteer.PostAsync($"/admin/participants/{runner}?handler=MarkPaid", new Dictionary<string, string>
        {
            ["Payment.Amount"] = "25.00", ["Payment.Method"] = "CASH", ["Payment.PaidOn"] = "2026-11-29",
        }, tokenFrom: $"/admin/participants/{runner}");

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await FormClient.ParseAsync(page)).QuerySelector("form[action*='MarkPaid']"), Is.Null);
        Assert.That(AdminSession.RedirectPath(post), Is.Not.EqualTo($"/admin/participants/{runner}"), "refused, not done");
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT payment_status FROM participants"), Is.EqualTo("PENDING"));
    }

    private async Task<(long CategoryId, long Runner)> RegisteredRunnerAsync(int bibFirst = 1, int bibLast = 999)
    {
        long categoryId;
        await using (var connection = await OpenAsync())
            categoryId = await TestData.CategoryAsync(connection, capacity: 10, bibFirst: bibFirst, bibLast: bibLast);
        return (categoryId, await RegisterAsync(categoryId));
    }

    private async Task<long> RegisterAsync(long categoryId)
    {
        var form = Runners.Form(categoryId);
        Runners.StatusPath(await Runners.RegisterAsync(app, form));
        await using var connection = await OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT id FROM participants WHERE email = @email", new { email = form["Form.Email"] });
    }

    private async Task<AdminSession> LoggedInAsync(string role)
    {
        await AdminSession.CreateAdminAsync(role, "a-long-enough-password", role);
        var session = new AdminSession(app);
        await session.LogInOrFailAsync(role, "a-long-enough-password");
        return session;
    }
}
