using Dapper;
using Microsoft.Playwright;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Browser;

/// <summary>A runner on a phone, keyboard only, switches the site to Indonesian and registers in it.</summary>
public sealed class LanguageBrowserTests : DatabaseTest
{
    [Test]
    public async Task A_runner_registers_in_Indonesian_at_phone_width_with_the_keyboard_only()
    {
        using var app = new TestApp();
        var address = app.StartKestrel();
        await using (var connection = await OpenAsync())
            await TestData.CategoryAsync(connection, "Half marathon", capacity: 50);
        var (playwright, browser) = await Infrastructure.Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        // The browser asks for English: the switch, not Accept-Language, brings Indonesian.
        var page = await browser.NewPageAsync(new BrowserNewPageOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 }, Locale = "en-GB",
        });
        await page.GotoAsync(address.ToString());
        Assert.That(await page.Locator("html").GetAttributeAsync("lang"), Is.EqualTo("en"));

        await TabToAsync(page, "button[lang=id]");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "id");
        await TabToAsync(page, "nav a[href='/register']");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/register");

        await TabToAsync(page, "#Form_CategoryId");
        await page.Keyboard.PressAsync("ArrowDown");
        await TypeIntoAsync(page, "#Form_FullName", "Siti Rahayu");
        await TypeIntoAsync(page, "#Form_Email", "siti@runners.test");
        await TypeIntoAsync(page, "#Form_Phone", "0812 3456 7890");
        // Day and month alike: the date field's order of day and month follows the browser's own locale.
        await TypeIntoAsync(page, "#Form_DateOfBirth", "05051990");
        Assert.That(await page.Locator("#Form_DateOfBirth").InputValueAsync(), Is.EqualTo("1990-05-05"));
        await TabToAsync(page, "#Form_Gender");
        await page.Keyboard.PressAsync("ArrowDown");
        await TabToAsync(page, "#Form_TshirtSize");
        for (var size = 0; size < 3; size++) // past XS and S to M
            await page.Keyboard.PressAsync("ArrowDown");
        await TypeIntoAsync(page, "#Form_EmergencyContactName", "Budi Santoso");
        await TypeIntoAsync(page, "#Form_EmergencyContactPhone", "0813 9876 5432");
        await TabToAsync(page, "#Form_AcceptWaiver");
        await page.Keyboard.PressAsync("Space");
        await TabToAsync(page, "form.runner-form button[type=submit]");
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForURLAsync("**/status/**");
        Assert.That(await page.Locator("html").GetAttributeAsync("lang"), Is.EqualTo("id"));
        Assert.That(await page.Locator("h1").InnerTextAsync(), Does.Match("^Pendaftaran TTR-[0-9A-Z]{6}$"));
        Assert.That(await page.Locator(".status").InnerTextAsync(), Is.EqualTo("Terdaftar di Half marathon – menunggu pembayaran Anda"));
        Assert.That(await page.Locator("main").InnerTextAsync(), Does.Contain("Terima kasih, Siti Rahayu!").And.Contain("EUR 25,00"));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT language || ' ' || gender || ' ' || tshirt_size FROM participants"),
            Is.EqualTo("id F M"));
    }

    /// <summary>Presses Tab until the element <paramref name="selector"/> names has the focus (a person tabbing through the page).</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        for (var presses = 0; presses < 60; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.Locator(selector).EvaluateAsync<bool>("element => element === document.activeElement"))
                return;
        }
        Assert.Fail($"Tab never reached {selector}");
    }

    private static async Task TypeIntoAsync(IPage page, string selector, string text)
    {
        await TabToAsync(page, selector);
        await page.Keyboard.TypeAsync(text);
    }
}
