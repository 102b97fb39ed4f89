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

    private static async Task<HttpResponseMessage> ImportAsync(AdminSession admin, string csv)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(await admin.FormTokenAsync("/admin/participants/import")), "__RequestVerificationToken" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(csv)), "file", "entries.csv" },
        };
        return await admin.Http.PostAsync("/admin/participants/import", form);
    }

    private static async Task<long> CountAsync(string sql)
    {
        await using var connection = await OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    [Test]
    public async Task A_walk_in_paid_in_cash_is_registered_with_a_bib_at_once_and_audited()
    {
        using var admin = await AdminSession.SignedInAsync(app, "alice");
        var client = new FormClient(admin.Http);
        var page = await client.GetAsync("/admin/participants/new");

        var response = await client.SubmitAsync(page, "/admin/participants/new", new Dictionary<string, string>
        {
            ["Form.CategoryId"] = tenK.ToString(), ["Form.PaidInCash"] = "true",
            ["Person.FullName"] = "Walk In", ["Person.Email"] = "walk@runners.test", ["Person.Phone"] = "+31 6 1234 5678",
            ["Person.DateOfBirth"] = "1980-01-01", ["Person.Gender"] = "X", ["Person.TshirtSize"] = "S",
            ["Person.EmergencyContactName"] = "Someone", ["Person.EmergencyContactPhone"] = "0612345678", ["Person.AcceptWaiver"] = "true",
        }, "form.runner-form");

        Assert.That(AdminSession.RedirectPath(response), Does.StartWith("/admin/participants/"));
        await using var connection = await OpenAsync();
        Assert.That(await connection.QuerySingleAsync<(string, int, string)>("SELECT payment_status, bib, payment_method FROM participants"),
            Is.EqualTo(("PAID", 700, "CASH")));
        Assert.That((await connection.QueryAsync<string>("SELECT action FROM audit_log WHERE participant_id IS NOT NULL ORDER BY id")).ToArray(),
            Is.EqualTo(new[] { "registration.walk_in", "payment.marked_paid" }));
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
