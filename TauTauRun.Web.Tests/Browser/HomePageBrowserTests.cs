using Microsoft.Playwright;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Browser;

/// <summary>The home page in a real Chromium, served by Kestrel on a real port, at phone width.</summary>
public sealed class HomePageBrowserTests : DatabaseTest
{
    [Test]
    public async Task The_home_page_loads_with_its_stylesheet_and_no_console_errors()
    {
        using var app = new TestApp();
        var address = app.StartKestrel();
        var (playwright, browser) = await Infrastructure.Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 375, Height = 740 } });
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") consoleErrors.Add(message.Text); };

        var response = await page.GotoAsync(address.ToString());

        Assert.That(response!.Status, Is.EqualTo(200));
        Assert.That(await page.TitleAsync(), Is.EqualTo("Tau-Tau Run"));
        Assert.That(await page.Locator("h1").InnerTextAsync(), Is.EqualTo("Tau-Tau Run"));
        var headerColour = await page.Locator(".site-header").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
        Assert.That(headerColour, Is.EqualTo("rgb(194, 65, 12)"), "the stylesheet must load");
        Assert.That(consoleErrors, Is.Empty);
    }
}
