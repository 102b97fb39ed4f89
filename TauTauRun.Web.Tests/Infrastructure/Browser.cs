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
}
