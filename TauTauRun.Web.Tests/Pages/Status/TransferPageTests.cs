using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Status;

/// <summary>The runner's transfer page: handing the place on and changing race through the forms a runner uses.</summary>
public sealed class TransferPageTests : DatabaseTest
{
    private TestApp app = null!;
    private long tenK;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using var connection = await OpenAsync();
        tenK = await TestData.CategoryAsync(connection, "10K", capacity: 5);
    }

    [TearDown]
    public void Stop() => app.Dispose();

    private async Task<string> RegisterAsync() =>
        Runners.StatusPath(await Runners.RegisterAsync(app, Runners.Form(tenK, "anna@runners.test")));

    private static Dictionary<string, string> Bert() => new()
    {
        ["Person.FullName"] = "Bert Jansen", ["Person.Email"] = "bert@runners.test", ["Person.Phone"] = "+31 6 8765 4321",
        ["Person.DateOfBirth"] = "1985-06-15", ["Person.Gender"] = "M", ["Person.TshirtSize"] = "L",
        ["Person.EmergencyContactName"] = "Els Jansen", ["Person.EmergencyContactPhone"] = "06-11223344", ["Person.AcceptWaiver"] = "true",
    };

    [Test]
    public async Task A_runner_hands_on_the_place_their_link_dies_and_the_new_runners_emailed_link_opens_it()
    {
        var status = await RegisterAsync();
        var client = new FormClient(Runners.NewClient(app));
        var page = await client.GetAsync($"{status}/transfer");

        var response = await client.SubmitAsync(page, $"{status}/transfer", Bert(), "form[action$='handler=Transfer']");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await FormClient.ParseAsync(response)).QuerySelector(".notice")!.TextContent, Does.Contain("now belongs to Bert Jansen"));
        Assert.That((await client.Http.GetAsync(status)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the old link is dead");
        await using var connection = await OpenAsync();
        // The body holds a placeholder; the token waits beside it until the message is sent.
        var newStatus = "/status/" + await connection.ExecuteScalarAsync<string>(
            "SELECT status_token FROM email_logs WHERE kind = 'PLACE_RECEIVED' AND recipient = 'bert@runners.test'");
        var newPage = await client.Http.GetStringAsync(newStatus);
        Assert.That(newPage, Does.Contain("Bert Jansen"));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs WHERE kind = 'PLACE_TRANSFERRED' AND recipient = 'anna@runners.test'"),
            Is.EqualTo(1));
    }

    [Test]
    public async Task A_new_runner_whose_details_break_the_form_rules_is_refused_with_the_message_beside_the_field()
    {
        var status = await RegisterAsync();
        var client = new FormClient(Runners.NewClient(app));
        var page = await client.GetAsync($"{status}/transfer");

        var response = await client.SubmitAsync(page, $"{status}/transfer", new Dictionary<string, string>(Bert()) { ["Person.Email"] = "bert.example.org" },
            "form[action$='handler=Transfer']");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await FormClient.ParseAsync(response)).QuerySelector("#Person_Email-error")!.TextContent, Is.EqualTo("Enter an email address like name@example.org."));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT full_name FROM participants"), Is.EqualTo("Anna de Vries"));
    }

    [Test]
    public async Task A_runner_changes_race_on_the_page()
    {
        long fiveK;
        await using (var connection = await OpenAsync())
            fiveK = await TestData.CategoryAsync(connection, "5K", capacity: 5, bibFirst: 10000, bibLast: 10999);
        var status = await RegisterAsync();
        var client = new FormClient(Runners.NewClient(app));
        var page = await client.GetAsync($"{status}/transfer");

        var response = await client.SubmitAsync(page, $"{status}/transfer", new Dictionary<string, string> { ["raceId"] = fiveK.ToString() },
            "form[action$='handler=Race']");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT category_id FROM participants"), Is.EqualTo(fiveK));
        Assert.That(await client.Http.GetStringAsync(status), Does.Contain("5K"));
    }
}
