using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

public sealed class PasswordTests : DatabaseTest
{
    private const string Password = AdminSession.TestPassword;
    private const string NewPassword = "a brand new passphrase";

    [Test]
    public async Task Changing_the_password_keeps_this_session_ends_the_others_and_clears_the_requirement()
    {
        await AdminSession.CreateAdminAsync("vera", Password, role: "volunteer", mustChangePassword: true);
        using var app = new TestApp();
        using var here = new AdminSession(app);
        using var elsewhere = new AdminSession(app);
        await here.LogInOrFailAsync("vera", Password);
        await elsewhere.LogInOrFailAsync("vera", Password);

        var change = await here.PostAsync("/admin/password", Change(Password, NewPassword));

        Assert.That(AdminSession.RedirectPath(change), Is.EqualTo("/admin"));
        Assert.That((await here.GetAsync("/admin")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(AdminSession.RedirectPath(await elsewhere.GetAsync("/admin")), Does.StartWith("/admin/login"));
        using var again = new AdminSession(app);
        Assert.That((await again.LogInAsync("vera", Password)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        await again.LogInOrFailAsync("vera", NewPassword);
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<bool>("SELECT must_change_password FROM admins"), Is.False);
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT details::text FROM audit_log WHERE action = 'admin.password_changed'"),
            Does.Not.Contain(NewPassword).And.Not.Contain(Password));
    }

    [TestCase("not my password", NewPassword, NewPassword, "That is not your current password.")]
    [TestCase(Password, "too short", "too short", "at least 12 characters")]
    [TestCase(Password, NewPassword, "something else entirely", "The two new passwords differ.")]
    [TestCase(Password, "my name is vera, really", "my name is vera, really", "must not contain the username")]
    [TestCase(Password, Password, Password, "different from the current one")]
    [TestCase(Password, "password1234!", "password1234!", "too easy to guess")]
    [TestCase(Password, "Tautaurun2026!", "Tautaurun2026!", "must not contain the event's or the site's name")]
    public async Task A_refused_change_is_a_400_with_a_clear_message(string current, string newPassword, string confirm, string message)
    {
        using var app = new TestApp();
        using var session = await AdminSession.SignedInAsync(app, "vera");

        var change = await session.PostAsync("/admin/password", Change(current, newPassword, confirm));

        Assert.That(change.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(WebUtility.HtmlDecode(await change.Content.ReadAsStringAsync()), Does.Contain(message));
    }

    private static Dictionary<string, string> Change(string current, string newPassword, string? confirm = null) => new()
    {
        ["Form.CurrentPassword"] = current, ["Form.NewPassword"] = newPassword, ["Form.ConfirmPassword"] = confirm ?? newPassword,
    };

    [Test]
    public async Task Wrong_current_passwords_lock_the_account_like_failed_logins()
    {
        using var app = new TestApp();
        using var session = await AdminSession.SignedInAsync(app, "alice");

        for (var i = 0; i < Web.Admin.LoginLockout.MaxFailures; i++)
            await session.PostAsync("/admin/password", Change("wrong password " + i, NewPassword));
        var right = await session.PostAsync("/admin/password", Change(Password, NewPassword));

        Assert.That(right.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await right.Content.ReadAsStringAsync(), Does.Contain("locked"));
        using var other = new AdminSession(app);
        Assert.That((await other.LogInAsync("alice", Password)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the login is locked too");
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE action = 'admin.password_change_failed'"),
            Is.EqualTo(Web.Admin.LoginLockout.MaxFailures + 1));
    }

    [Test]
    public async Task The_current_password_check_is_rate_limited_like_the_login()
    {
        using var app = new TestApp();
        using var session = await AdminSession.SignedInAsync(app, "alice");
        var statuses = new List<HttpStatusCode>();

        for (var i = 0; i <= Web.Admin.AdminSetup.LoginPostsPerMinute; i++)
            statuses.Add((await session.PostAsync("/admin/password", Change("wrong " + i, NewPassword))).StatusCode);

        Assert.That(statuses.Last(), Is.EqualTo(HttpStatusCode.TooManyRequests));
    }
}
