using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Browser;

/// <summary>
/// The runner pages as a screen-reader, keyboard or phone user meets them, in Chromium at phone width:
/// axe finds nothing on any of them (error states included), a failed submit puts the focus on a summary
/// that links to each field, and each field's message is its accessible description. One browser for the class.
/// </summary>
public sealed class AccessibilityBrowserTests : DatabaseTest
{
    private const string LongEmail = "a.very.long.address.that.goes.on.and.on.for.ever@subdomain.runners-club.example.org";
    private IPlaywright playwright = null!;
    private IBrowser browser = null!;

    [OneTimeSetUp]
    public async Task LaunchAsync() => (playwright, browser) = await Infrastructure.Browser.LaunchAsync();

    [OneTimeTearDown]
    public async Task CloseAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }

    [Test]
    public async Task Every_runner_page_at_phone_width_has_no_axe_violation_error_states_included()
    {
        using var app = new TestApp();
        var address = await StartWithARaceAsync(app);
        var page = await PhonePageAsync(390);

        await page.GotoAsync(address.ToString());
        await AssertNoViolationsAsync(page, "event page");
        await page.GotoAsync(new Uri(address, "/register").ToString());
        await AssertNoViolationsAsync(page, "form");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register", Exact = true }).ClickAsync();
        await AssertNoViolationsAsync(page, "form with errors");

        await FillFormAsync(page, "runner@runners.test");
        await AssertNoViolationsAsync(page, "status page");
        await page.GetByLabel("Email").FillAsync("not an address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await AssertNoViolationsAsync(page, "status page, edit with errors");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel registration" }).ClickAsync();
        await AssertNoViolationsAsync(page, "status page, cancel not confirmed");

        await page.GotoAsync(new Uri(address, "/status/link").ToString());
        await AssertNoViolationsAsync(page, "find your registration");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send me the link" }).ClickAsync();
        await AssertNoViolationsAsync(page, "find your registration with an error");
    }

    [Test]
    public async Task A_failed_submit_focuses_a_summary_linking_each_field_whose_message_is_its_accessible_description()
    {
        using var app = new TestApp();
        var address = await StartWithARaceAsync(app);
        var page = await PhonePageAsync(390);
        await page.GotoAsync(new Uri(address, "/register").ToString());
        Assert.That(await page.Locator("[required]").CountAsync(), Is.EqualTo(10), "nine required fields and the waiver");

        await page.GetByLabel("Email").FillAsync("anna.example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register", Exact = true }).ClickAsync();

        // Expect waits for the answer page to load and take focus (asked at once, a loaded machine saw the old page).
        await Assertions.Expect(page.Locator(".error-summary")).ToBeFocusedAsync();
        var invalid = page.Locator("[aria-invalid=true]");
        Assert.That(await invalid.CountAsync(), Is.EqualTo(10));
        var links = page.Locator(".error-summary a");
        Assert.That(await links.CountAsync(), Is.EqualTo(10));
        for (var i = 0; i < await invalid.CountAsync(); i++)
        {
            var field = invalid.Nth(i);
            var id = await field.GetAttributeAsync("id");
            var message = await page.Locator($"#{id}-error").InnerTextAsync();
            Assert.That(message, Is.Not.Empty);
            await Assertions.Expect(field).ToHaveAccessibleDescriptionAsync(message);
            Assert.That(await page.Locator($".error-summary a[href='#{id}']").InnerTextAsync(), Is.EqualTo(message));
        }
        Assert.That(await page.Locator("#Form_Email-error").InnerTextAsync(), Is.EqualTo("Enter an email address like name@example.org."));

        await page.Locator(".error-summary a[href='#Form_Email']").ClickAsync();
        Assert.That(await page.EvaluateAsync<string>("document.activeElement.id"), Is.EqualTo("Form_Email"));
    }

    [Test]
    public async Task The_status_page_does_not_scroll_sideways_at_320_px_and_is_not_indexed()
    {
        using var app = new TestApp();
        var address = await StartWithARaceAsync(app);
        var page = await PhonePageAsync(320);
        await page.GotoAsync(new Uri(address, "/register").ToString());

        await FillFormAsync(page, LongEmail);

        Assert.That(await page.Locator(".notice").InnerTextAsync(), Does.Contain(LongEmail));
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.That(widths[0], Is.LessThanOrEqualTo(widths[1]), "the page must not scroll sideways");
        Assert.That(await page.Locator("meta[name=robots]").GetAttributeAsync("content"), Is.EqualTo("noindex"));
        await page.GotoAsync(address.ToString());
        Assert.That(await page.Locator("meta[name=description]").GetAttributeAsync("content"), Is.Not.Empty);
    }

    private static async Task<Uri> StartWithARaceAsync(TestApp app)
    {
        var address = app.StartKestrel();
        await using var connection = await OpenAsync();
        await TestData.CategoryAsync(connection, "Half marathon", capacity: 50);
        return address;
    }

    private async Task<IPage> PhonePageAsync(int width)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = 800 } });
        return await context.NewPageAsync();
    }

    private static async Task FillFormAsync(IPage page, string email)
    {
        await page.GetByLabel("Race").SelectOptionAsync(new SelectOptionValue { Index = 1 });
        await page.GetByLabel("Full name").FillAsync("Anna Runner");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Mobile phone").FillAsync("+62 812 3456 7890");
        await page.GetByLabel("Date of birth").FillAsync("1990-04-01");
        await page.GetByLabel("Gender").SelectOptionAsync("F");
        await page.GetByLabel("T-shirt size").SelectOptionAsync("M");
        await page.GetByLabel("Emergency contact name").FillAsync("Budi Runner");
        await page.GetByLabel("Emergency contact phone").FillAsync("+62 813 9876 5432");
        await page.GetByLabel("I have read and accept").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Register", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/status/**");
    }

    private static async Task AssertNoViolationsAsync(IPage page, string what)
    {
        var result = await page.RunAxe();
        var violations = result.Violations.Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html))})");
        Assert.That(violations, Is.Empty, what);
    }
}
