using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages;

/// <summary>The registration form, posted as a browser posts it.</summary>
public sealed class RegisterTests : DatabaseTest
{
    private TestApp app = null!;
    private long categoryId;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using var connection = await OpenAsync();
        categoryId = await TestData.CategoryAsync(connection, capacity: 5);
    }

    [TearDown]
    public void Stop() => app.Dispose();

    [Test]
    public async Task A_valid_form_registers_the_runner_queues_the_email_and_shows_the_payment_instructions()
    {
        var form = Runners.Form(categoryId);

        var response = await Runners.RegisterAsync(app, form);

        var status = Runners.StatusPath(response);
        await using var connection = await OpenAsync();
        var runner = await connection.QuerySingleAsync<(long Id, string Reference, string Status, string Phone, string EmergencyPhone)>(
            "SELECT id, reference, payment_status, phone, emergency_contact_phone FROM participants WHERE email = @email", new { email = form["Form.Email"] });
        Assert.That(runner.Status, Is.EqualTo("PENDING"));
        Assert.That(runner.Phone, Is.EqualTo("+31612345678"), "stored normalised");
        Assert.That(runner.EmergencyPhone, Is.EqualTo("0687654321"));
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT kind FROM email_logs WHERE participant_id = @Id", new { runner.Id }),
            Is.EqualTo("REGISTRATION_RECEIVED"));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM category_slots WHERE participant_id = @Id", new { runner.Id }), Is.EqualTo(1));

        var page = await new FormClient(app.CreateClient()).GetAsync(status + "?welcome=1");
        var text = page.Body!.TextContent;
        Assert.That(page.QuerySelector("h1")!.TextContent, Is.EqualTo($"Registration {runner.Reference}"));
        Assert.That(text, Does.Contain("Your registration is received").And.Contain("EUR 25.00").And.Contain("NL91ABNA0417164300"));
        Assert.That(runner.Reference, Does.Match("^TTR-[0-9A-HJKMNP-TV-Z]{6}$"));
    }
}
