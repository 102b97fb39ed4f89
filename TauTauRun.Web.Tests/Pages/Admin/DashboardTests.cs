using AngleSharp.Html.Dom;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

public sealed class DashboardTests : DatabaseTest
{
    [Test]
    public async Task The_dashboard_counts_places_money_shirts_and_mail_and_charts_registrations()
    {
        using var app = new TestApp();
        await using (var connection = await OpenAsync())
        {
            var race = await TestData.CategoryAsync(connection, "10K", capacity: 3);
            foreach (var status in new[] { "PAID", "PENDING", "WAITLISTED", "CANCELLED" })
                await TestData.ParticipantAsync(connection, race, status);
            // TestData leaves places to the registration code; take the two the active runners hold.
            await connection.ExecuteAsync("""
                UPDATE category_slots s SET participant_id = p.id
                FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM participants WHERE payment_status IN ('PAID', 'PENDING')) p
                WHERE s.slot_no = p.n
                """);
            await TestData.EmailAsync(connection, await connection.ExecuteScalarAsync<long>("SELECT min(id) FROM participants"), "PAYMENT_CONFIRMED", "FAILED");
        }
        await AdminSession.CreateAdminAsync("boss", "a-long-enough-password");
        using var admin = new AdminSession(app);
        await admin.LogInOrFailAsync("boss", "a-long-enough-password");

        var response = await admin.GetAsync("/admin");
        Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var page = await FormClient.ParseAsync(response);

        Assert.That(Cells(page, ".dashboard-races tr:nth-child(2) td"), Is.EqualTo(new[] { "10K", "3", "2", "1", "1", "1", "1", "1" }));
        Assert.That(Cells(page, ".dashboard-money tr:nth-child(2) td"), Is.EqualTo(new[] { "EUR", "EUR 50.00", "EUR 25.00", "EUR 25.00" }));
        Assert.That(Cells(page, ".dashboard-shirts tr:nth-child(2) td"), Is.EqualTo(new[] { "2" }));
        Assert.That(page.QuerySelector(".dashboard-emails .alert")!.TextContent, Is.EqualTo("FAILED: 1"));
        var bars = page.QuerySelectorAll("svg.chart rect");
        Assert.That(bars, Has.Length.EqualTo(60));
        Assert.That(bars.Last().QuerySelector("title")!.TextContent, Does.EndWith(": 4"), "today's registrations");
        Assert.That(page.QuerySelectorAll("script"), Is.Empty);
    }

    private static string[] Cells(IHtmlDocument page, string selector) =>
        page.QuerySelectorAll(selector).Select(c => c.TextContent.Trim()).ToArray();
}
