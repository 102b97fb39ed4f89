using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Browser;

/// <summary>A runner registers in Chromium as a person would, and comes back through the link in the email.</summary>
public sealed partial class RegistrationBrowserTests : DatabaseTest
{
    [Test]
    public async Task A_runner_registers_by_the_labels_sees_the_payment_instructions_and_opens_the_link_from_the_email()
    {
        await using var smtp = new TestSmtpServer();
        smtp.Start();
        var settings = smtp.AppSettings;
        settings["Email:PollInterval"] = "00:00:00.100";
        var port = Web.Development.LocalCluster.FreeTcpPort();
        settings["TauTauRun:PublicBaseUrl"] = $"http://127.0.0.1:{port}/"; // links in emails point here
        using var app = new TestApp(settings: settings);
        var address = app.StartKestrel(port);
        await using (var connection = await OpenAsync())
            await TestData.CategoryAsync(connection, "Half marathon", capacity: 50);
        var (playwright, browser) = await Infrastructure.Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });

        await page.GotoAsync(address.ToString());
        await page.GetByRole(AriaRole.Link, new() { Name = "Register", Exact = true }).Last.ClickAsync();
        await page.GetByLabel("Race").SelectOptionAsync(new SelectOptionValue { Label = "Half marathon – EUR 25.00" });
        await page.GetByLabel("Full name").FillAsync("José Núñez");
        await page.GetByLabel("Email").FillAsync("jose@runners.test");
        await page.GetByLabel("Mobile phone").FillAsync("+34 612 345 678");
        await page.GetByLabel("Date of birth").FillAsync("1988-07-14");
        await page.GetByLabel("Gender").SelectOptionAsync("M");
        await page.GetByLabel("T-shirt size").SelectOptionAsync("L");
        await page.GetByLabel("Emergency contact name").FillAsync("María Núñez");
        await page.GetByLabel("Emergency contact phone").FillAsync("+34 698 765 432");
        await page.GetByLabel("I have read and accept").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();

        var heading = await page.Locator("h1").InnerTextAsync();
        Assert.That(heading, Does.Match("^Registration TTR-[0-9A-Z]{6}$"));
        var reference = heading["Registration ".Length..];
        var text = await page.Locator("main").InnerTextAsync();
        Assert.That(text, Does.Contain("EUR 25.00").And.Contain("NL91ABNA0417164300").And.Contain(reference));

        var email = (await smtp.WaitForAsync(1)).Single();
        Assert.That(email.To.Mailboxes.Single().Address, Is.EqualTo("jose@runners.test"));
        var link = StatusLink().Match(email.TextBody ?? "").Value;
        Assert.That(link, Does.StartWith(address.ToString()));
        var fresh = await browser.NewPageAsync();
        await fresh.GotoAsync(link);
        Assert.That(await fresh.Locator("h1").InnerTextAsync(), Is.EqualTo($"Registration {reference}"));
        Assert.That(await fresh.Locator(".status").InnerTextAsync(), Does.Contain("waiting for your payment"));
    }

    [GeneratedRegex(@"http://\S+/status/[A-Za-z0-9_-]{43}")]
    private static partial Regex StatusLink();
}
