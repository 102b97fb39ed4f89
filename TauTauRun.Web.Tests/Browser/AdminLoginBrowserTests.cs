using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Browser;

/// <summary>Logging in and out of the admin area in a real Chromium, as an admin does, under the real CSP.</summary>
public sealed class AdminLoginBrowserTests : DatabaseTest
{
    private const string Password = AdminSession.TestPassword;

    [Test]
    public async Task An_admin_logs_in_with_the_labelled_fields_sets_up_the_second_step_and_logs_out_again()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        var address = app.StartKestrel();
        var (playwright, browser) = await Infrastructure.Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") consoleErrors.Add(page.Url + " " + message.Location + " " + message.Text); };

        await page.GotoAsync(new Uri(address, "/admin/audit").ToString());
        Assert.That(page.Url, Does.Contain("/admin/login"), "anonymous visitors are sent to the login page");
        await page.GetByLabel("Username").FillAsync("alice");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        Assert.That(page.Url, Does.Contain(AdminSession.TwoFactorSetup), "a new admin sets up the second step first");
        Assert.That(await page.Locator("figure.totp-qr svg").IsVisibleAsync(), Is.True, "the QR code is drawn");
        var secret = await page.Locator("#totp-secret").InnerTextAsync();
        await page.GetByLabel("Code from the app").FillAsync(AdminSession.Code(secret));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
        Assert.That(await page.Locator(".recovery-codes li").CountAsync(), Is.EqualTo(10));
        await page.GetByRole(AriaRole.Link, new() { Name = "Continue" }).ClickAsync();

        await page.WaitForURLAsync(new Regex("/admin/audit$"));
        Assert.That(await page.Locator("h1").InnerTextAsync(), Is.EqualTo("Audit log"));
        Assert.That(await page.Locator("table.audit").InnerTextAsync(), Does.Contain("admin.login"));
        var headerColour = await page.Locator(".site-header").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
        Assert.That(headerColour, Is.EqualTo("rgb(194, 65, 12)"), "the stylesheet loads under the CSP");

        // Every page in the navigation renders without a CSP violation (they would be console errors).
        foreach (var link in await page.Locator("header nav a").EvaluateAllAsync<string[]>("links => links.map(a => a.href)"))
            Assert.That((await page.GotoAsync(link))!.Status, Is.EqualTo(200), link);

        await page.GetByRole(AriaRole.Button, new() { Name = "Log out alice" }).ClickAsync();

        await page.WaitForURLAsync(new Regex("/admin/login$"));
        Assert.That(await page.Locator("h1").InnerTextAsync(), Is.EqualTo("Log in"));
        await page.GotoAsync(new Uri(address, "/admin").ToString());
        Assert.That(page.Url, Does.Contain("/admin/login"), "the session is over");
        Assert.That(consoleErrors, Is.Empty);
    }
}
