using System.Net;
using AngleSharp.Html.Dom;
using Dapper;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin.Participants;

/// <summary>An admin corrects a runner's details: checked like the public form, audited, never overwriting a newer change.</summary>
public sealed class EditTests : DatabaseTest
{
    private TestApp app = null!;
    private AdminSession admin = null!;
    private long runner;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using (var connection = await OpenAsync())
            runner = await TestData.ParticipantAsync(connection, await TestData.CategoryAsync(connection));
        await AdminSession.CreateAdminAsync("boss", "a-long-enough-password");
        admin = new AdminSession(app);
        await admin.LogInOrFailAsync("boss", "a-long-enough-password");
    }

    [TearDown]
    public void Stop()
    {
        admin.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task Viewing_a_runners_details_is_audited_with_the_admin_and_the_runner()
    {
        Assert.That((await admin.GetAsync($"/admin/participants/{runner}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await using var connection = await OpenAsync();
        Assert.That(await connection.QuerySingleAsync<(string, long?)>("SELECT actor, participant_id FROM audit_log WHERE action = 'participant.viewed'"),
            Is.EqualTo(("boss", (long?)runner)));
    }

    [Test]
    public async Task An_edit_is_saved_with_its_audit_row_of_before_and_after()
    {
        var response = await SubmitAsync(await EditFormAsync(), new() { ["Edit.FullName"] = "  Zoë   van Dijk ", ["Edit.InternalNotes"] = "prefers start wave B" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        await using var connection = await OpenAsync();
        Assert.That(await connection.QuerySingleAsync<(string, string)>("SELECT full_name, internal_notes FROM participants"),
            Is.EqualTo(("Zoë van Dijk", "prefers start wave B")));
        var details = await connection.ExecuteScalarAsync<string>("SELECT details::text FROM audit_log WHERE action = 'participant.edited'");
        Assert.That(details, Does.Contain("Zoë van Dijk").And.Contain("\"before\""));
    }

    [Test]
    public async Task A_bad_value_is_refused_beside_its_field_and_nothing_changes()
    {
        var response = await SubmitAsync(await EditFormAsync(), new() { ["Edit.Phone"] = "call me" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await FormClient.ParseAsync(response)).Body!.TextContent, Does.Contain(RunnerInput.PhoneHint), "the public form's message: one set of rules everywhere");
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT phone FROM participants"), Is.EqualTo("+31612345678"));
    }

    [Test]
    public async Task An_edit_made_on_a_page_someone_else_has_changed_since_is_refused()
    {
        var stale = await EditFormAsync();
        Assert.That((await SubmitAsync(await EditFormAsync(), new() { ["Edit.Club"] = "First" })).StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        var response = await SubmitAsync(stale, new() { ["Edit.Club"] = "Second" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT club FROM participants"), Is.EqualTo("First"));
    }

    private async Task<IHtmlDocument> EditFormAsync() => await FormClient.ParseAsync(await admin.GetAsync($"/admin/participants/{runner}"));

    private Task<HttpResponseMessage> SubmitAsync(IHtmlDocument page, Dictionary<string, string> changes)
    {
        var fields = FormClient.Fields((IHtmlFormElement)page.QuerySelector("form[action*='handler=Edit']")!);
        foreach (var (name, value) in changes)
            fields[name] = value;
        return admin.Http.PostAsync($"/admin/participants/{runner}?handler=Edit", new FormUrlEncodedContent(fields));
    }
}
