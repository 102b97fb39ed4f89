using System.Collections;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Resources;
using System.Text.RegularExpressions;
using AngleSharp.Html.Dom;
using Dapper;
using Microsoft.AspNetCore.Mvc.Testing;
using TauTauRun.Web.Localization;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages;

/// <summary>
/// Every runner page in each language, chosen by the switch (its cookie) or by the browser's
/// Accept-Language; nothing of the other language left on it; the language a runner used kept with
/// their registration; the admin area English whatever is asked; a bad cookie passed over.
/// </summary>
public sealed partial class LanguageTests : DatabaseTest
{
    private TestApp app = null!;
    private long categoryId;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using var connection = await OpenAsync();
        categoryId = await TestData.CategoryAsync(connection, "Half marathon", capacity: 5);
    }

    [TearDown]
    public void Stop() => app.Dispose();

    [TestCase("id", "switch")]
    [TestCase("id", "Accept-Language")]
    [TestCase("en", "switch")]
    [TestCase("en", "Accept-Language")]
    public async Task Every_runner_page_is_in_the_chosen_language_with_nothing_of_the_other(string language, string chosenBy)
    {
        var client = await ClientInAsync(language, chosenBy);
        var register = await client.GetAsync("/register");
        var registered = await client.SubmitAsync(register, "/register", Runners.Form(categoryId), "form.runner-form");
        var status = Runners.StatusPath(registered);

        var pages = new Dictionary<string, IHtmlDocument>
        {
            ["event page"] = await client.GetAsync("/"),
            ["form"] = register,
            ["form with errors"] = await FormClient.ParseAsync(await client.SubmitAsync(register, "/register",
                new Dictionary<string, string> { ["Form.FullName"] = "", ["Form.Email"] = "not an address" }, "form.runner-form")),
            ["status page, just registered"] = await client.GetAsync(status + "?welcome=1"),
            ["status page"] = await client.GetAsync(status),
            ["transfer page"] = await client.GetAsync(status + "/transfer"),
            ["find your registration"] = await client.GetAsync("/status/link"),
            ["find your registration with an error"] = await FormClient.ParseAsync(await client.SubmitAsync(
                await client.GetAsync("/status/link"), "/status/link", new Dictionary<string, string> { ["Email"] = "" }, "form.runner-form")),
            ["error page"] = await FormClient.ParseAsync(await client.Http.GetAsync("/Error")),
        };

        var other = language == "id" ? "en" : "id";
        var foreign = Fragments(other).Except(Fragments(language)).ToList();
        foreach (var (name, page) in pages)
        {
            Assert.That(page.DocumentElement.GetAttribute("lang"), Is.EqualTo(language), name);
            var text = Regex.Replace(page.DocumentElement.TextContent, @"\s+", " ");
            Assert.That(foreign.Where(text.Contains), Is.Empty, $"{name}: texts of the other language");
        }
        var expected = language == "id"
            ? new[] { "Kategori lomba", "Nama lengkap", "Mohon perbaiki", "Terima kasih", "menunggu pembayaran Anda", "Alihkan tempat", "Kirimkan tautannya", "Silakan isi alamat email Anda.", "Terjadi kesalahan" }
            : new[] { "Races", "Full name", "Please correct", "Thank you", "waiting for your payment", "Hand on your place", "Send me the link", "Please enter your email address.", "Something went wrong" };
        Assert.Multiple(() =>
        {
            var texts = pages.Values.Select(p => Regex.Replace(p.DocumentElement.TextContent, @"\s+", " ")).ToList();
            for (var i = 0; i < expected.Length; i++)
                Assert.That(texts[i], Does.Contain(expected[i]), pages.Keys.ElementAt(i));
        });
    }

    [Test]
    public async Task Indonesian_pages_show_rupiah_without_decimals_and_Indonesian_dates()
    {
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("UPDATE race_categories SET price_minor = 15000000, currency = 'IDR' WHERE id = @categoryId", new { categoryId });

        var indonesian = await (await ClientInAsync("id", "switch")).GetAsync("/");
        var english = await (await ClientInAsync("en", "switch")).GetAsync("/");

        Assert.That(indonesian.QuerySelector(".categories")!.TextContent, Does.Contain("Rp150.000"));
        Assert.That(indonesian.QuerySelector(".when-where time")!.TextContent, Does.Contain(" pukul "));
        Assert.That(english.QuerySelector(".categories")!.TextContent, Does.Contain("IDR 150,000"));
    }

    [TestCase("id")]
    [TestCase("en")]
    public async Task A_runner_s_language_is_stored_with_the_registration(string language)
    {
        var client = await ClientInAsync(language, "switch");
        var form = Runners.Form(categoryId);

        Runners.StatusPath(await client.SubmitAsync(await client.GetAsync("/register"), "/register", form, "form.runner-form"));

        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT language FROM participants WHERE email = @email", new { email = form["Form.Email"] }),
            Is.EqualTo(language));
    }

    [Test]
    public async Task Saving_details_on_the_status_page_keeps_the_language_used_last()
    {
        var english = await ClientInAsync("en", "switch");
        var form = Runners.Form(categoryId);
        var status = Runners.StatusPath(await english.SubmitAsync(await english.GetAsync("/register"), "/register", form, "form.runner-form"));
        var indonesian = await ClientInAsync("id", "switch");

        var saved = await indonesian.SubmitAsync(await indonesian.GetAsync(status), status, new Dictionary<string, string>(), "form.runner-form");

        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT language FROM participants WHERE email = @email", new { email = form["Form.Email"] }),
            Is.EqualTo("id"));
    }

    [Test]
    public async Task The_switch_sets_a_year_long_cookie_and_returns_to_the_page()
    {
        var client = Runners.NewClient(app);

        var response = await SwitchAsync(client, "id", "/status/link");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo("/status/link"));
        var cookie = response.Headers.GetValues("Set-Cookie").Single();
        Assert.That(cookie, Does.StartWith(".AspNetCore.Culture=c%3Did%7Cuic%3Did;").And.Contain("path=/").And.Contain("samesite=lax").And.Contain("httponly"));
        var expires = DateTime.Parse(ExpiresOf().Match(cookie).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.That(expires, Is.EqualTo(DateTime.UtcNow.AddYears(1)).Within(TimeSpan.FromDays(1)));
    }

    [TestCase("https://evil.example/register")]
    [TestCase("//evil.example/register")]
    [TestCase("/\\evil.example/register")]
    [TestCase("register")]
    [TestCase("")]
    public async Task The_switch_returns_only_to_a_page_of_this_site(string returnUrl)
    {
        var response = await SwitchAsync(Runners.NewClient(app), "id", returnUrl);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo("/"));
    }

    [TestCase("fr")]
    [TestCase("")]
    [TestCase("id;x")]
    public async Task The_switch_refuses_a_language_it_does_not_have(string language)
    {
        var response = await SwitchAsync(Runners.NewClient(app), language, "/");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Headers.Contains("Set-Cookie"), Is.False);
    }

    [TestCase("garbage")]
    [TestCase("c=fr|uic=fr")]
    [TestCase("c=|uic=")]
    [TestCase("c=x-\u00e9%%|uic=zz-ZZ-ZZ")]
    [TestCase("%ZZ%%=")]
    public async Task A_bad_language_cookie_is_passed_over_without_an_error(string cookie)
    {
        foreach (var (acceptLanguage, expected) in new[] { ((string?)null, "en"), ("id-ID,id;q=0.9", "id") })
        {
            using var client = app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
            client.DefaultRequestHeaders.TryAddWithoutValidation("Cookie", $".AspNetCore.Culture={Uri.EscapeDataString(cookie)}");
            if (acceptLanguage is not null)
                client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(acceptLanguage);

            var response = await client.GetAsync("/register");

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), cookie);
            var page = await FormClient.ParseAsync(response);
            Assert.That(page.DocumentElement.GetAttribute("lang"), Is.EqualTo(expected), $"{cookie} with Accept-Language {acceptLanguage}");
        }
    }

    [Test]
    public async Task The_admin_area_stays_English_whatever_the_browser_asks()
    {
        await using (var connection = await OpenAsync())
            await TestData.ParticipantAsync(connection, categoryId, "PAID");
        await AdminSession.CreateAdminAsync("boss", "a-long-enough-password");
        using var admin = new AdminSession(app);
        admin.Cookies.Add(app.ClientOptions.BaseAddress, new Cookie(".AspNetCore.Culture", "c%3Did%7Cuic%3Did"));
        admin.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("id-ID");
        await admin.LogInOrFailAsync("boss", "a-long-enough-password");

        var dashboard = await FormClient.ParseAsync(await admin.GetAsync("/admin"));

        Assert.That(dashboard.QuerySelector(".dashboard-money")!.TextContent, Does.Contain("EUR 25.00"), "English numbers, as the admin forms read them");
    }

    /// <summary>A client (keeping cookies, not following redirects) in <paramref name="language"/>, chosen as a runner would.</summary>
    private async Task<FormClient> ClientInAsync(string language, string chosenBy)
    {
        var http = Runners.NewClient(app);
        if (chosenBy == "switch")
            Assert.That((await SwitchAsync(http, language, "/")).StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        else
            http.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue(language == "id" ? "id-ID" : "en-GB"));
        return new FormClient(http);
    }

    private static Task<HttpResponseMessage> SwitchAsync(HttpClient client, string language, string returnUrl) =>
        client.PostAsync(LocalizationSetup.SwitchPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["language"] = language, ["returnUrl"] = returnUrl,
        }));

    /// <summary>
    /// The pieces of a language's texts long enough to be its own (12 characters or more between the
    /// blanks and tags): finding one of another language's on a page means a text was not translated.
    /// </summary>
    private static IEnumerable<string> Fragments(string language) =>
        new ResourceManager(typeof(RunnerText))
            .GetResourceSet(language == Languages.Default ? CultureInfo.InvariantCulture : CultureInfo.GetCultureInfo(language), true, false)!
            .Cast<DictionaryEntry>()
            .Where(e => !((string)e.Key).StartsWith("Format.", StringComparison.Ordinal))
            .SelectMany(e => Pieces().Split((string)e.Value!))
            .Select(piece => piece.Trim())
            .Where(piece => piece.Length >= 12)
            .Distinct();

    [GeneratedRegex(@"\{\d+\}|<[^>]+>")]
    private static partial Regex Pieces();

    [GeneratedRegex("expires=([^;]+)", RegexOptions.IgnoreCase)]
    private static partial Regex ExpiresOf();
}
