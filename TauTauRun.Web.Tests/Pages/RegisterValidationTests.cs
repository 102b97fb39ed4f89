using System.Net;
using System.Text;
using AngleSharp.Html.Dom;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages;

/// <summary>Every field says what is wrong beside it; bad input of any kind is a message or a 4xx, never a 500.</summary>
public sealed class RegisterValidationTests : DatabaseTest
{
    private TestApp app = null!;
    private long categoryId;
    private long adultsOnlyId;
    private long closedId;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using var connection = await OpenAsync();
        categoryId = await TestData.CategoryAsync(connection, "10K", capacity: 50);
        adultsOnlyId = await TestData.CategoryAsync(connection, "Marathon", capacity: 50, bibFirst: 10000, bibLast: 10999);
        await connection.ExecuteAsync("UPDATE race_categories SET minimum_age = 18 WHERE id = @adultsOnlyId", new { adultsOnlyId });
        closedId = await TestData.CategoryAsync(connection, "Kids run", capacity: 50, bibFirst: 20000, bibLast: 20999);
        await connection.ExecuteAsync("UPDATE race_categories SET is_open = false WHERE id = @closedId", new { closedId });
    }

    [TearDown]
    public void Stop() => app.Dispose();

    [TestCase("Form.FullName", "", "Please enter your full name.")]
    [TestCase("Form.FullName", "   ", "Please enter your full name.")]
    [TestCase("Form.FullName", "A\u0007nna", "contains invisible control characters")]
    [TestCase("Form.Email", "", "Please enter your email address")]
    [TestCase("Form.Email", "anna.example.org", "Enter an email address like name@example.org.")]
    [TestCase("Form.Email", "anna@localhost", "Enter an email address like name@example.org.")]
    [TestCase("Form.Phone", "", "Please enter a phone number we can reach you on.")]
    [TestCase("Form.Phone", "12345", "Enter a phone number with 6 to 15 digits")]
    [TestCase("Form.Phone", "call me maybe", "Enter a phone number with 6 to 15 digits")]
    [TestCase("Form.DateOfBirth", "", "Please enter your date of birth.")]
    [TestCase("Form.DateOfBirth", "2023-02-30", "Please enter a valid date of birth.")]
    [TestCase("Form.DateOfBirth", "2999-01-01", "Enter your real date of birth.")]
    [TestCase("Form.DateOfBirth", "1850-01-01", "Enter your real date of birth.")]
    [TestCase("Form.Gender", "", "Please choose an option")]
    [TestCase("Form.Gender", "Q", "Choose one of the options.")]
    [TestCase("Form.TshirtSize", "", "Please choose a T-shirt size.")]
    [TestCase("Form.TshirtSize", "XXXXL", "Choose one of the sizes.")]
    [TestCase("Form.EmergencyContactName", "", "Please name someone we can call in an emergency.")]
    [TestCase("Form.EmergencyContactPhone", "", "Please give your emergency contact's phone number.")]
    [TestCase("Form.EmergencyContactPhone", "+", "Enter a phone number with 6 to 15 digits")]
    [TestCase("Form.CategoryId", "", "Please choose a race.")]
    [TestCase("Form.CategoryId", "999999", "Choose one of the races listed.")]
    [TestCase("Form.CategoryId", "not-a-number", "Please enter a valid race.")]
    [TestCase("Form.AcceptWaiver", "false", "Please read and accept the waiver")]
    // Found by the fuzz test: U+FFFE and a non-boolean waiver were a 500 (Normalize throws on the one, the checkbox on the
    // other), and U+FFFF was stored as typed.
    [TestCase("Form.FullName", "Anna\uFFFE", "contains characters we could not read")]
    [TestCase("Form.MedicalNotes", "none\uFFFF", "contains characters we could not read")]
    [TestCase("Form.AcceptWaiver", "yes please", "Please enter a valid")]
    public async Task Each_field_explains_what_is_wrong_beside_it(string field, string value, string message)
    {
        var form = Runners.Form(categoryId);
        form[field] = value;

        var (response, page) = await PostAsync(form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(ErrorBeside(page, field), Does.Contain(message));
        await AssertNothingStoredAsync();
    }

    [Test]
    public async Task Overlong_values_are_refused_with_a_message()
    {
        foreach (var (field, length, message) in new[]
                 {
                     ("Form.FullName", 101, "100 characters"), ("Form.Email", 255, "too long"), ("Form.Club", 101, "100 characters"),
                     ("Form.MedicalNotes", 1001, "1000 characters"), ("Form.EmergencyContactName", 101, "100 characters"),
                 })
        {
            var form = Runners.Form(categoryId);
            form[field] = new string('a', length);
            var (_, page) = await PostAsync(form);
            Assert.That(ErrorBeside(page, field), Does.Contain(message), field);
        }
        await AssertNothingStoredAsync();
    }

    [Test]
    public async Task A_runner_too_young_for_the_race_is_told_the_minimum_age_on_race_day()
    {
        var form = Runners.Form(adultsOnlyId);
        form["Form.DateOfBirth"] = DateTime.UtcNow.AddYears(-16).ToString("yyyy-MM-dd");

        var (_, page) = await PostAsync(form);

        Assert.That(ErrorBeside(page, "Form.DateOfBirth"), Does.Contain("Runners in the Marathon must be at least 18 on race day"));
    }

    [Test]
    public async Task A_minor_is_refused_without_a_guardians_name_phone_and_consent()
    {
        var form = Runners.Form(categoryId);
        form["Form.DateOfBirth"] = DateTime.UtcNow.AddYears(-15).ToString("yyyy-MM-dd");

        var (response, page) = await PostAsync(form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(ErrorBeside(page, "Form.GuardianName"), Does.Contain("need a parent or guardian"));
        Assert.That(ErrorBeside(page, "Form.GuardianPhone"), Does.Contain("guardian's phone number"));
        Assert.That(ErrorBeside(page, "Form.GuardianConsent"), Does.Contain("must agree"));
        await AssertNothingStoredAsync();
    }

    [Test]
    public async Task A_minor_with_a_guardians_consent_is_registered_with_its_time_and_waiver_version()
    {
        var form = Runners.Form(categoryId);
        form["Form.DateOfBirth"] = DateTime.UtcNow.AddYears(-15).ToString("yyyy-MM-dd");
        form["Form.GuardianName"] = " Ibu  Sari ";
        form["Form.GuardianPhone"] = "+62 812 1111 2222";
        form["Form.GuardianConsent"] = "true";

        var (response, _) = await PostAsync(form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        await using var connection = await OpenAsync();
        var row = await connection.QuerySingleAsync<(string Name, string Phone, DateTime ConsentAt, string Version, string Waiver)>(
            "SELECT guardian_name, guardian_phone, guardian_consent_at, guardian_waiver_version, waiver_version FROM participants");
        Assert.That((row.Name, row.Phone, row.Version), Is.EqualTo(("Ibu Sari", "+6281211112222", row.Waiver)));
        Assert.That(row.ConsentAt, Is.EqualTo(DateTime.UtcNow).Within(TimeSpan.FromMinutes(5)));
    }

    [Test]
    public async Task An_adult_needs_no_guardian_and_what_was_typed_there_is_not_kept()
    {
        var form = Runners.Form(categoryId);
        form["Form.GuardianName"] = "Someone";

        await PostAsync(form);

        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string?>("SELECT guardian_name FROM participants"), Is.Null);
    }

    [Test]
    public async Task A_closed_race_is_refused_with_a_message()
    {
        var (_, page) = await PostAsync(Runners.Form(closedId));

        Assert.That(ErrorBeside(page, "Form.CategoryId"), Does.Contain("Registration for this race is closed"));
        await AssertNothingStoredAsync();
    }

    [TestCase("José Núñez")]
    [TestCase("王小明")]
    [TestCase("Zoë 🏃‍♀️ Runner")]
    [TestCase("<script>alert('x')</script>")]
    [TestCase("Robert'); DROP TABLE participants;--")]
    [TestCase("O'Brien & \"Sons\" <b>")]
    public async Task Any_name_is_stored_as_typed_and_rendered_as_text(string name)
    {
        var form = Runners.Form(categoryId);
        form["Form.FullName"] = name;
        form["Form.Club"] = name;

        var status = Runners.StatusPath((await PostAsync(form)).Response);

        await using (var connection = await OpenAsync())
            Assert.That(await connection.ExecuteScalarAsync<string>("SELECT full_name FROM participants"), Is.EqualTo(name));
        var raw = await app.CreateClient().GetStringAsync(status);
        var page = await FormClient.ParseAsync(new HttpResponseMessage { Content = new StringContent(raw) });
        Assert.That(page.QuerySelector("#details td")!.TextContent, Is.EqualTo(name));
        Assert.That(page.QuerySelectorAll("script"), Is.Empty, "nothing stored may become markup");
        Assert.That(page.QuerySelectorAll("main b"), Is.Empty);
    }

    [Test]
    public async Task Invalid_utf8_is_refused_with_a_message_not_an_error()
    {
        var client = new FormClient(Runners.NewClient(app));
        var page = await client.GetAsync("/register");
        var fields = FormClient.Fields((IHtmlFormElement)page.QuerySelector("form.runner-form")!);
        foreach (var (name, value) in Runners.Form(categoryId))
            fields[name] = value;
        var body = Encoding.ASCII.GetBytes(string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}")));
        // Raw bytes that are not UTF-8 (0xC3 0x28) in place of the name's first two letters.
        var at = Encoding.ASCII.GetString(body).IndexOf("Form.FullName=", StringComparison.Ordinal) + "Form.FullName=".Length;
        body[at] = 0xC3;
        body[at + 1] = 0x28;
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/x-www-form-urlencoded");

        var response = await client.Http.PostAsync("/register", content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(ErrorBeside(await FormClient.ParseAsync(response), "Form.FullName"), Does.Contain("could not read"));
        await AssertNothingStoredAsync();
    }

    [Test]
    public async Task A_tampered_token_a_missing_antiforgery_token_and_a_filled_honeypot_are_400()
    {
        var tampered = Runners.Form(categoryId);
        tampered["Form.Token"] = "not-a-token";
        var robot = Runners.Form(categoryId);
        robot["Form.Website"] = "http://spam.example";

        Assert.That((await PostAsync(tampered)).Response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await PostAsync(robot)).Response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var forged = await Runners.NewClient(app).PostAsync("/register", new FormUrlEncodedContent(Runners.Form(categoryId)));
        Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        await AssertNothingStoredAsync();
    }

    [Test]
    public async Task An_oversized_body_is_413()
    {
        using var served = new TestApp();
        var address = served.StartKestrel(); // the body limit is Kestrel's: the in-memory server has none
        using var http = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = address };
        var client = new FormClient(http);
        var form = Runners.Form(categoryId);
        form["Form.MedicalNotes"] = new string('x', 300 * 1024);

        var response = await client.SubmitAsync(await client.GetAsync("/register"), "/register", form, "form.runner-form");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        await AssertNothingStoredAsync();
    }

    [Test]
    public async Task Too_many_posts_from_one_address_get_429_with_retry_after()
    {
        using var limited = new TestApp(settings: new Dictionary<string, string?> { ["RateLimits:RunnerPostsPerMinute"] = "3" });
        var client = new FormClient(Runners.NewClient(limited));
        var page = await client.GetAsync("/register");
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 4; i++)
        {
            last = await client.SubmitAsync(page, "/register", new Dictionary<string, string> { ["Form.FullName"] = "" }, "form.runner-form");
            statuses.Add(last.StatusCode);
        }

        Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        Assert.That(last.Headers.RetryAfter?.Delta?.TotalSeconds, Is.GreaterThan(0));
        Assert.That((await client.Http.GetAsync("/register")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "reading is never limited");
    }

    private async Task<(HttpResponseMessage Response, IHtmlDocument Page)> PostAsync(Dictionary<string, string> form)
    {
        var client = new FormClient(Runners.NewClient(app));
        var response = await client.SubmitAsync(await client.GetAsync("/register"), "/register", form, "form.runner-form");
        return (response, await FormClient.ParseAsync(response));
    }

    private static string ErrorBeside(IHtmlDocument page, string field)
    {
        var input = page.GetElementById(field.Replace('.', '_')) ?? throw new AssertionException($"no field {field}");
        return input.ParentElement!.QuerySelector(".error")?.TextContent ?? "";
    }

    private static async Task AssertNothingStoredAsync()
    {
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM participants"), Is.Zero);
    }
}
