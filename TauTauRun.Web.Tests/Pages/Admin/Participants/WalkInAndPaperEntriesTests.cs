using System.Net;
using System.Text;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin.Participants;

/// <summary>Walk-ins registered at the desk and paper entries imported from CSV, through the admin pages.</summary>
public sealed class WalkInAndPaperEntriesTests : DatabaseTest
{
    private const string Header = "race,full_name,email,phone,date_of_birth,gender,tshirt_size,emergency_contact_name,emergency_contact_phone,club\n";
    private TestApp app = null!;
    private long tenK;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using var connection = await OpenAsync();
        tenK = await TestData.CategoryAsync(connection, "10K", capacity: 3, bibFirst: 700, bibLast: 799);
    }

    [TearDown]
    public void Stop() => app.Dispose();

    private static async Task<HttpResponseMessage> ImportAsync(AdminSession admin, string csv, string? language = null)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(await admin.FormTokenAsync("/admin/participants/import")), "__RequestVerificationToken" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(csv)), "file", "entries.csv" },
        };
        if (language is not null)
            form.Add(new StringContent(language), "language");
        return await admin.Http.PostAsync("/admin/participants/import", form);
    }

    private static async Task<long> CountAsync(string sql)
    {
        await using var connection = await OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    /// <summary>The walk-in form filled in for one runner, with <paramref name="choices"/> on top, sent as the admin's browser would.</summary>
    private async Task<HttpResponseMessage> WalkInAsync(AdminSession admin, params (string Field, string Value)[] choices)
    {
        var client = new FormClient(admin.Http);
        var page = await client.GetAsync("/admin/participants/new");
        var form = new Dictionary<string, string>
        {
            ["Form.CategoryId"] = tenK.ToString(),
            ["Person.FullName"] = "Walk In", ["Person.Email"] = "walk@runners.test", ["Person.Phone"] = "+31 6 1234 5678",
            ["Person.DateOfBirth"] = "1980-01-01", ["Person.Gender"] = "X", ["Person.TshirtSize"] = "S",
            ["Person.EmergencyContactName"] = "Someone", ["Person.EmergencyContactPhone"] = "0612345678", ["Person.AcceptWaiver"] = "true",
        };
        foreach (var (field, value) in choices)
            form[field] = value;
        return await client.SubmitAsync(page, "/admin/participants/new", form, "form.runner-form");
    }

    [Test]
    public async Task A_walk_in_paid_in_cash_is_registered_with_a_bib_at_once_and_audited()
    {
        using var admin = await AdminSession.SignedInAsync(app, "alice");

        var response = await WalkInAsync(admin, ("Form.PaidInCash", "true"));

        Assert.That(AdminSession.RedirectPath(response), Does.StartWith("/admin/participants/"));
        await using var connection = await OpenAsync();
        Assert.That(await connection.QuerySingleAsync<(string, int, string)>("SELECT payment_status, bib, payment_method FROM participants"),
            Is.EqualTo(("PAID", 700, "CASH")));
        Assert.That((await connection.QueryAsync<string>("SELECT action FROM audit_log WHERE participant_id IS NOT NULL ORDER BY id")).ToArray(),
            Is.EqualTo(new[] { "registration.walk_in", "payment.marked_paid" }));
    }

    [Test]
    public async Task A_walk_in_registered_in_indonesian_keeps_it_for_their_emails_and_the_details_page_shows_it()
    {
        using var admin = await AdminSession.SignedInAsync(app, "alice");

        var response = await WalkInAsync(admin, ("Form.PaidInCash", "true"), ("Form.Language", "id"));

        var details = await FormClient.ParseAsync(await admin.Http.GetAsync(AdminSession.RedirectPath(response)));
        Assert.That(details.GetElementById("language")!.TextContent, Does.StartWith("Bahasa Indonesia"));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT language FROM participants"), Is.EqualTo("id"));
        // The payment is recorded after the registration commits: the runner's stored language writes it.
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT subject FROM email_logs WHERE kind = 'PAYMENT_CONFIRMED'"),
            Does.StartWith("Pembayaran diterima – nomor BIB Anda 700"));
    }

    /// <summary>
    /// The registration's own email is written while the registration is made, in the admin's chosen language.
    /// This test and the two other Indonesian ones here rely on the Registrar storing the language of the moment
    /// (<c>Languages.Current</c>, from branch i18a), which the walk-in and the import set.
    /// </summary>
    [Test]
    public async Task A_walk_ins_first_email_is_in_the_language_the_admin_chose()
    {
        using var admin = await AdminSession.SignedInAsync(app, "alice");

        await WalkInAsync(admin, ("Form.Language", "id"));

        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT subject FROM email_logs WHERE kind = 'REGISTRATION_RECEIVED'"),
            Does.StartWith("Pendaftaran diterima: TTR-"));
    }

    [Test]
    public async Task A_walk_in_in_a_language_the_site_does_not_have_is_refused()
    {
        using var admin = await AdminSession.SignedInAsync(app, "alice");

        var response = await WalkInAsync(admin, ("Form.Language", "fr"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), Does.Contain("Choose one of the languages listed."));
        Assert.That(await CountAsync("SELECT count(*) FROM participants"), Is.Zero);
    }

    [Test]
    public async Task Paper_entries_imported_in_indonesian_are_stored_so()
    {
        using var admin = await AdminSession.SignedInAsync(app, "alice");
        var csv = Header + "10K,Maria Tangdilintin,maria@runners.test,+6281234567890,1990-04-01,F,M,Yohanis Pasulu,081234567891,\n";

        var response = await ImportAsync(admin, csv, language: "id");

        Assert.That(AdminSession.RedirectPath(response), Is.EqualTo("/admin/participants"));
        Assert.That(await CountAsync("SELECT count(*) FROM participants WHERE language = 'id'"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_paper_entry_file_with_one_bad_row_imports_nothing_and_names_the_line()
    {
        using var admin = await AdminSession.SignedInAsync(app, "alice");
        var csv = Header +
            "10K,Anna de Vries,anna@runners.test,+31612345678,1990-04-01,F,M,Jan de Vries,0687654321,AV Tau\n" +
            "10K,Bert Jansen,bert.example.org,+31612345679,1985-06-15,M,L,Els Jansen,0611223344,\n" +
            "10k,Carla Smit,carla@runners.test,+31612345670,1979-02-28,f,xl,Piet Smit,0699887766,\n";

        var response = await ImportAsync(admin, csv);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problems = (await FormClient.ParseAsync(response)).QuerySelectorAll(".errors li").Select(li => li.TextContent.Trim()).ToArray();
        Assert.That(problems, Is.EqualTo(new[] { "Line 3: email: Enter an email address like name@example.org." }));
        Assert.That(await CountAsync("SELECT count(*) FROM participants"), Is.Zero);
        Assert.That(await CountAsync("SELECT count(*) FROM email_logs"), Is.Zero);
    }

    [Test]
    public async Task A_good_paper_entry_file_imports_every_runner_with_email_and_audit()
    {
        using var admin = await AdminSession.SignedInAsync(app, "alice");
        var csv = Header +
            "10K,Anna de Vries,anna@runners.test,+31612345678,1990-04-01,F,M,Jan de Vries,0687654321,AV Tau\n" +
            "10K,\"Jansen, Bert\",bert@runners.test,+31612345679,1985-06-15,M,L,Els Jansen,0611223344,\n";

        var response = await ImportAsync(admin, csv);

        Assert.That(AdminSession.RedirectPath(response), Is.EqualTo("/admin/participants"));
        Assert.That(await CountAsync("SELECT count(*) FROM participants WHERE payment_status = 'PENDING'"), Is.EqualTo(2));
        Assert.That(await CountAsync("SELECT count(*) FROM email_logs WHERE kind = 'REGISTRATION_RECEIVED'"), Is.EqualTo(2));
        Assert.That(await CountAsync("SELECT count(*) FROM audit_log WHERE action = 'registration.paper_entry'"), Is.EqualTo(2));
    }

    [Test]
    public async Task A_paper_entry_file_with_more_entries_than_places_imports_nothing_and_names_the_line_that_did_not_fit()
    {
        using var admin = await AdminSession.SignedInAsync(app, "alice");
        var csv = Header + string.Concat(Enumerable.Range(1, 4).Select(i =>
            $"10K,Runner {i},runner{i}@runners.test,+3161234567{i},1990-04-01,F,M,Contact,0687654321,\n"));

        var response = await ImportAsync(admin, csv);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await FormClient.ParseAsync(response)).QuerySelector(".errors li")!.TextContent, Does.StartWith("Line 5: the 10K is full"));
        Assert.That(await CountAsync("SELECT count(*) FROM participants"), Is.Zero);
    }
}
