using Microsoft.Playwright;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright's bundled driver. Nothing is downloaded: the browser is the
/// system's (/usr/bin/chromium), and the flags keep it from reaching for the network it does not have.
/// </summary>
public static class Browser
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
            Assert.Fail($"{ChromiumPath} is missing: run scripts/test.sh as root (it installs it) or 'apt-get install chromium'.");
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
            ],
        });
        return (playwright, browser);
    }

    /// <summary>
    /// Logs in through the login page as a person does: the password, then the second step the app asks
    /// for (setting up the authenticator from the key shown on the page, or the current code).
    /// </summary>
    public static async Task LogInAsync(IPage page, Uri address, string username, string password)
    {
        await page.GotoAsync(new Uri(address, "/admin/login").ToString());
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        if (page.Url.Contains(AdminSession.TwoFactorSetup))
        {
            var secret = await page.Locator("#totp-secret").InnerTextAsync();
            await page.GetByLabel("Code from the app").FillAsync(AdminSession.Code(secret));
            await page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
            await page.GetByRole(AriaRole.Link, new() { Name = "Continue" }).ClickAsync();
        }
        else if (page.Url.Contains(AdminSession.TwoFactorCode))
        {
            await page.GetByLabel("Code").FillAsync(await AdminSession.FreshCodeAsync(username));
            await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        }
    }
}
