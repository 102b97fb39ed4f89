using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Browser;

/// <summary>
/// The runner pages as a screen-reader, keyboard or phone user meets them, in Chromium at phone width:
/// axe finds nothing on any of them (error states included), a failed submit puts the focus on a summary
/// that links to each field, and each field's message is its accessible description; in each language,
/// as the browser asks for it. One browser for the class.
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

    [TestCase("en")]
    [TestCase("id")]
    public async Task Every_runner_page_at_phone_width_has_no_axe_violation_error_states_included(string language)
    {
        using var app = new TestApp();
        var address = await StartWithARaceAsync(app);
        var page = await PhonePageAsync(390, language);

        await page.GotoAsync(address.ToString());
        await AssertNoViolationsAsync(page, "event page", language);
        await page.GotoAsync(new Uri(address, "/register").ToString());
        await AssertNoViolationsAsync(page, "form", language);
        await page.GetByRole(AriaRole.Button, new() { Name = Texts.In(language, "Action.Register"), Exact = true }).ClickAsync();
        await AssertNoViolationsAsync(page, "form with errors", language);

        await FillFormAsync(page, "runner@runners.test", language);
        await AssertNoViolationsAsync(page, "status page", language);
        await page.GetByLabel(Texts.In(language, "Field.Email"), new() { Exact = true }).FillAsync("not an address");
        await page.GetByRole(AriaRole.Button, new() { Name = Texts.In(language, "Status.Save") }).ClickAsync();
        await AssertNoViolationsAsync(page, "status page, edit with errors", language);
        await page.GetByRole(AriaRole.Button, new() { Name = Texts.In(language, "Status.CancelButton") }).ClickAsync();
        await AssertNoViolationsAsync(page, "status page, cancel not confirmed", language);
        await page.GotoAsync(page.Url.Split('?')[0] + "/transfer");
        await AssertNoViolationsAsync(page, "transfer page", language);

        await page.GotoAsync(new Uri(address, "/status/link").ToString());
        await AssertNoViolationsAsync(page, "find your registration", language);
        await page.GetByRole(AriaRole.Button, new() { Name = Texts.In(language, "Link.Send") }).ClickAsync();
        await AssertNoViolationsAsync(page, "find your registration with an error", language);
    }

    [TestCase("en")]
    [TestCase("id")]
    public async Task A_failed_submit_focuses_a_summary_linking_each_field_whose_message_is_its_accessible_description(string language)
    {
        using var app = new TestApp();
        var address = await StartWithARaceAsync(app);
        var page = await PhonePageAsync(390, language);
        await page.GotoAsync(new Uri(address, "/register").ToString());
        Assert.That(await page.Locator("[required]").CountAsync(), Is.EqualTo(10), "nine required fields and the waiver");

        await page.GetByLabel(Texts.In(language, "Field.Email"), new() { Exact = true }).FillAsync("anna.example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = Texts.In(language, "Action.Register"), Exact = true }).ClickAsync();

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
        Assert.That(await page.Locator("#Form_Email-error").InnerTextAsync(), Is.EqualTo(Texts.In(language, "Field.Email.Shape")));

        await page.Locator(".error-summary a[href='#Form_Email']").ClickAsync();
        Assert.That(await page.EvaluateAsync<string>("document.activeElement.id"), Is.EqualTo("Form_Email"));
    }

    [Test]
    public async Task The_status_page_does_not_scroll_sideways_at_320_px_and_is_not_indexed()
    {
        using var app = new TestApp();
        var address = await StartWithARaceAsync(app);
        var page = await PhonePageAsync(320, "en");
        await page.GotoAsync(new Uri(address, "/register").ToString());

        await FillFormAsync(page, LongEmail, "en");

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

    /// <summary>A phone-sized page whose browser asks for <paramref name="language"/> (its Accept-Language).</summary>
    private async Task<IPage> PhonePageAsync(int width, string language)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = 800 }, Locale = language == "id" ? "id-ID" : "en-GB",
        });
        return await context.NewPageAsync();
    }

    private static async Task FillFormAsync(IPage page, string email, string language)
    {
        string Label(string key) => Texts.In(language, key);
        await page.GetByLabel(Label("Field.Race"), new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Index = 1 });
        await page.GetByLabel(Label("Field.FullName")).FillAsync("Anna Runner");
        await page.GetByLabel(Label("Field.Email"), new() { Exact = true }).FillAsync(email);
        await page.GetByLabel(Label("Field.Phone")).FillAsync("+62 812 3456 7890");
        await page.GetByLabel(Label("Field.DateOfBirth")).FillAsync("1990-04-01");
        await page.GetByLabel(Label("Field.Gender")).SelectOptionAsync("F");
        await page.GetByLabel(Label("Field.TshirtSize")).SelectOptionAsync("M");
        await page.GetByLabel(Label("Field.EmergencyContactName")).FillAsync("Budi Runner");
        await page.GetByLabel(Label("Field.EmergencyContactPhone")).FillAsync("+62 813 9876 5432");
        await page.GetByLabel(Label("Field.AcceptWaiver")).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = Label("Action.Register"), Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/status/**");
    }

    private static async Task AssertNoViolationsAsync(IPage page, string what, string language)
    {
        Assert.That(await page.Locator("html").GetAttributeAsync("lang"), Is.EqualTo(language), what);
        var result = await page.RunAxe();
        var violations = result.Violations.Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html))})");
        Assert.That(violations, Is.Empty, what);
    }
}
