using Dapper;
using Microsoft.Playwright;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Browser;

/// <summary>A volunteer at the pickup table, in Chromium at phone width (390 px), checks a runner in by typed bib.</summary>
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

        await page.GotoAsync(new Uri(address, "/admin/login").ToString());
        await page.GetByLabel("Username").FillAsync("vera");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("correct horse battery staple");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
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
}
