using Microsoft.Playwright;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Browser;

/// <summary>An admin, in Chromium, confirms the payment of a runner who registered on the public form.</summary>
public sealed class AdminPaymentBrowserTests : DatabaseTest
{
    [Test]
    public async Task An_admin_finds_a_runner_marks_them_paid_sees_the_bib_and_the_confirmation_is_delivered()
    {
        await using var smtp = new TestSmtpServer();
        smtp.Start();
        var settings = smtp.AppSettings;
        settings["Email:PollInterval"] = "00:00:00.100";
        using var app = new TestApp(settings: settings);
        var address = app.StartKestrel();
        await using (var connection = await OpenAsync())
            await TestData.CategoryAsync(connection, "10K", capacity: 50, bibFirst: 1001, bibLast: 1999);
        var form = Runners.Form(await FirstCategoryAsync(), "marta.kowalska@runners.test");
        form["Form.FullName"] = "Marta Kowalska";
        Runners.StatusPath(await Runners.RegisterAsync(app, form));
        await smtp.WaitForAsync(1); // "registration received"
        await AdminSession.CreateAdminAsync("alice", "correct horse battery staple");
        var (playwright, browser) = await Infrastructure.Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();

        await Infrastructure.Browser.LogInAsync(page, address, "alice", "correct horse battery staple");
        await page.GetByRole(AriaRole.Link, new() { Name = "Participants" }).ClickAsync();
        await page.GetByLabel("Search").FillAsync("kowalska");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await page.Locator("table.participants a").First.ClickAsync();
        await page.GetByLabel("Bank reference").FillAsync("BANK-2026-11-30-17");
        await page.GetByRole(AriaRole.Button, new() { Name = "Mark paid and assign a bib" }).ClickAsync();

        Assert.That(await page.Locator(".status").InnerTextAsync(), Does.Contain("PAID").And.Contain("bib 1001"));
        Assert.That(await page.Locator(".message").InnerTextAsync(), Does.Contain("bib 1001"));
        var messages = await smtp.WaitForAsync(2);
        var confirmation = messages.Single(m => m.Subject?.StartsWith("Payment confirmed") == true);
        Assert.That(confirmation.To.Mailboxes.Single().Address, Is.EqualTo("marta.kowalska@runners.test"));
        Assert.That(confirmation.TextBody, Does.Contain("Bib number: 1001"));
    }

    private static async Task<long> FirstCategoryAsync()
    {
        await using var connection = await OpenAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT min(id) FROM race_categories");
    }
}
