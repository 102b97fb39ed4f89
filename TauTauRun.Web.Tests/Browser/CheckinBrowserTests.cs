using Dapper;
using Microsoft.Playwright;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Browser;

/// <summary>
/// The admin area in Chromium at phone width (390 px): a volunteer at the pickup table checks a runner
/// in by typed bib, and no admin page makes the whole page scroll sideways.
/// </summary>
public sealed class CheckinBrowserTests : DatabaseTest
{
    [Test]
    public async Task A_volunteer_on_a_phone_types_a_bib_and_hands_out_the_bib_and_the_shirt()
    {
        using var app = new TestApp();
        var address = app.StartKestrel();
        await using (var connection = await OpenAsync())
        {
            var race = await TestData.CategoryAsync(connection, "10K");
            var id = await TestData.ParticipantAsync(connection, race, "PAID");
            await connection.ExecuteAsync("UPDATE participants SET bib = 4321 WHERE id = @id", new { id });
        }
        await AdminSession.CreateAdminAsync("vera", "correct horse battery staple", "volunteer");
        var (playwright, browser) = await Infrastructure.Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 390, Height = 844 } });

        await Infrastructure.Browser.LogInAsync(page, address, "vera", "correct horse battery staple");
        await page.GetByRole(AriaRole.Link, new() { Name = "Check-in" }).ClickAsync();
        await page.GetByLabel("Bib, reference, QR code or name").FillAsync("4321");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();

        Assert.That(await page.Locator(".checkin-bib").InnerTextAsync(), Is.EqualTo("4321"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Bib handed out" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "T-shirt handed out" }).ClickAsync();
        Assert.That(await page.Locator(".checkin-done").AllInnerTextsAsync(), Has.All.Contain("by vera at"));
        Assert.That(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), Is.True,
            "the page does not scroll sideways at 390 px");
    }

    [Test]
    public async Task No_admin_page_scrolls_the_whole_body_sideways_at_390_px()
    {
        using var app = new TestApp();
        var address = app.StartKestrel();
        long runner, race;
        await using (var connection = await OpenAsync())
        {
            race = await TestData.CategoryAsync(connection, "Half marathon with a long name");
            runner = await TestData.ParticipantAsync(connection, race, "PAID", email: "a.very.long.address.for.a.runner@runners.example.test");
            await TestData.EmailAsync(connection, runner, "PAYMENT_CONFIRMED", "FAILED");
        }
        await AdminSession.CreateAdminAsync("boss", "correct horse battery staple");
        var (playwright, browser) = await Infrastructure.Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 390, Height = 844 } });
        await Infrastructure.Browser.LogInAsync(page, address, "boss", "correct horse battery staple");

        var wide = new List<string>();
        foreach (var path in new[]
        {
            "/admin", "/admin/participants", $"/admin/participants/{runner}", "/admin/checkin", $"/admin/checkin?id={runner}",
            "/admin/payments/import", "/admin/settings", "/admin/categories", $"/admin/categories/{race}", "/admin/emails",
            "/admin/emails/preview", "/admin/exports", "/admin/coupons", "/admin/admins", "/admin/audit", "/admin/password",
            "/admin/participants/new", "/admin/participants/import", $"/admin/participants/{runner}/transfer",
            "/admin/retention", $"/admin/participants/{runner}/erase",
        })
        {
            await page.GotoAsync(new Uri(address, path).ToString());
            var (scroll, width) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("window.innerWidth"));
            if (scroll > width)
                wide.Add($"{path}: {scroll} px");
        }
        Assert.That(wide, Is.Empty);
    }
}
