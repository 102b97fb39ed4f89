using System.Net;
using Dapper;
using TauTauRun.Web.Data;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

public sealed class AdminsTests : DatabaseTest
{
    private const string Password = AdminSession.TestPassword;
    private const string FirstPassword = "a first password to change";

    [Test]
    public async Task Adds_a_volunteer_who_must_choose_a_password_at_first_login()
    {
        using var app = new TestApp();
        using var alice = await AdminSession.SignedInAsync(app, "alice");

        var add = await alice.PostAsync("/admin/admins?handler=Add", NewAdmin("Vera"));

        Assert.That(AdminSession.RedirectPath(add), Is.EqualTo("/admin/admins"), await add.Content.ReadAsStringAsync());
        Assert.That(await (await alice.GetAsync("/admin/admins")).Content.ReadAsStringAsync(), Does.Contain("Added vera (volunteer)."));
        using var vera = new AdminSession(app);
        await vera.LogInOrFailAsync("vera", FirstPassword);
        Assert.That(AdminSession.RedirectPath(await vera.GetAsync("/admin")), Is.EqualTo("/admin/password"));
        await using var connection = await OpenAsync();
        var details = await connection.QuerySingleAsync<string>("SELECT details::text FROM audit_log WHERE action = 'admin.created'");
        Assert.That(details, Does.Contain("\"username\": \"vera\"").And.Contain("\"role\": \"volunteer\"").And.Not.Contain(FirstPassword));
    }

    [Test]
    public async Task An_existing_username_is_a_409_with_a_clear_message()
    {
        await AdminSession.CreateAdminAsync("vera", Password, role: "volunteer");
        using var app = new TestApp();
        using var alice = await AdminSession.SignedInAsync(app, "alice");

        var add = await alice.PostAsync("/admin/admins?handler=Add", NewAdmin("VERA"));

        Assert.That(add.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await add.Content.ReadAsStringAsync(), Does.Contain("There is already an admin called &#x27;vera&#x27;."));
    }

    [Test]
    public async Task A_short_first_password_is_a_400_with_a_clear_message()
    {
        using var app = new TestApp();
        using var alice = await AdminSession.SignedInAsync(app, "alice");

        var add = await alice.PostAsync("/admin/admins?handler=Add", new Dictionary<string, string>(NewAdmin("vera")) { ["Form.Password"] = "short" });

        Assert.That(add.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await add.Content.ReadAsStringAsync(), Does.Contain($"at least {AdminPasswords.MinimumLength} characters"));
    }

    [Test]
    public async Task A_disabled_admin_can_be_re_enabled_and_logs_in_again()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        var bobId = await AdminSession.CreateAdminAsync("bob", Password);
        using var app = new TestApp();
        using var alice = new AdminSession(app);
        await alice.LogInOrFailAsync("alice", Password);
        await alice.PostAsync($"/admin/admins?handler=Disable&id={bobId}", new Dictionary<string, string>());

        var enable = await alice.PostAsync($"/admin/admins?handler=Enable&id={bobId}", new Dictionary<string, string>());

        Assert.That(AdminSession.RedirectPath(enable), Is.EqualTo("/admin/admins"));
        using var bob = new AdminSession(app);
        await bob.LogInOrFailAsync("bob", Password);
        await using var connection = await OpenAsync();
        var audit = (await connection.QueryAsync<string>("SELECT details::text FROM audit_log WHERE action IN ('admin.disabled', 'admin.enabled') ORDER BY id")).ToList();
        Assert.That(audit[0], Does.Contain("\"before\": {\"is_disabled\": false}").And.Contain("\"after\": {\"is_disabled\": true}"));
        Assert.That(audit[1], Does.Contain("\"before\": {\"is_disabled\": true}").And.Contain("\"after\": {\"is_disabled\": false}"));
    }

    [Test]
    public async Task A_locked_admin_can_be_unlocked_before_the_fifteen_minutes_are_over()
    {
        var bobId = await AdminSession.CreateAdminAsync("bob", Password);
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("UPDATE admins SET locked_until = now() + interval '15 minutes' WHERE id = @bobId", new { bobId });
        using var app = new TestApp();
        using var alice = await AdminSession.SignedInAsync(app, "alice");
        using var bob = new AdminSession(app);
        Assert.That((await bob.LogInAsync("bob", Password)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        var unlock = await alice.PostAsync($"/admin/admins?handler=Unlock&id={bobId}", new Dictionary<string, string>());

        Assert.That(AdminSession.RedirectPath(unlock), Is.EqualTo("/admin/admins"));
        await bob.LogInOrFailAsync("bob", Password);
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT details::text FROM audit_log WHERE action = 'admin.unlocked'"),
            Does.Contain("\"before\": {\"is_locked\": true}").And.Contain("\"after\": {\"is_locked\": false}"));
    }

    [Test]
    public async Task An_admin_cannot_disable_themselves()
    {
        var aliceId = await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var alice = new AdminSession(app);
        await alice.LogInOrFailAsync("alice", Password);

        var disable = await alice.PostAsync($"/admin/admins?handler=Disable&id={aliceId}", new Dictionary<string, string>());

        Assert.That(disable.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await disable.Content.ReadAsStringAsync(), Does.Contain("You cannot disable yourself"));
        Assert.That((await alice.GetAsync("/admin")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task An_unknown_admin_id_is_a_404()
    {
        using var app = new TestApp();
        using var alice = await AdminSession.SignedInAsync(app, "alice");

        var disable = await alice.PostAsync("/admin/admins?handler=Disable&id=987654", new Dictionary<string, string>());

        Assert.That(disable.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Requiring_a_new_password_sends_that_admin_to_the_password_page_on_their_next_request()
    {
        using var app = new TestApp();
        using var alice = await AdminSession.SignedInAsync(app, "alice");
        using var bob = await AdminSession.SignedInAsync(app, "bob");
        var bobId = bob.AdminId;
        Assert.That((await bob.GetAsync("/admin")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await alice.PostAsync($"/admin/admins?handler=RequirePasswordChange&id={bobId}", new Dictionary<string, string>());

        Assert.That(AdminSession.RedirectPath(await bob.GetAsync("/admin")), Is.EqualTo("/admin/password"));
        Assert.That((await bob.GetAsync("/admin/password")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private static Dictionary<string, string> NewAdmin(string username) => new()
    {
        ["Form.Username"] = username, ["Form.DisplayName"] = "Vera Volunteer", ["Form.Role"] = "volunteer", ["Form.Password"] = FirstPassword,
    };

    [Test]
    public async Task A_first_password_set_by_another_admin_stops_working_if_unused_in_time()
    {
        using var app = new TestApp();
        using var admin = await AdminSession.SignedInAsync(app, "alice");
        await admin.PostAsync("/admin/admins?handler=Add", new Dictionary<string, string>
        {
            ["Form.Username"] = "vera", ["Form.DisplayName"] = "Vera", ["Form.Role"] = "volunteer", ["Form.Password"] = "plum kettle orbit sandal",
        }, tokenFrom: "/admin/admins");
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<double>(
            "SELECT extract(epoch FROM password_expires_at - now()) / 3600 FROM admins WHERE username = 'vera'"), Is.InRange(71.9, 72.0));
        await connection.ExecuteAsync("UPDATE admins SET password_expires_at = now() - interval '1 second' WHERE username = 'vera'");

        using var vera = new AdminSession(app);
        var response = await vera.LogInAsync("vera", "plum kettle orbit sandal");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT details->>'reason' FROM audit_log WHERE action = 'admin.login_failed'"),
            Is.EqualTo("first_password_expired"));
    }
}
