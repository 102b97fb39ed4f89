using System.Net;
using Dapper;
using TauTauRun.Web.Pages.Admin;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

/// <summary>The second login step: setting up the authenticator, codes, recovery codes, and what a session without it can reach.</summary>
public sealed class TwoFactorTests : DatabaseTest
{
    private const string Password = AdminSession.TestPassword;

    [Test]
    public async Task A_new_admin_after_the_password_is_sent_to_set_up_the_app_and_reaches_no_admin_page()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var session = new AdminSession(app);

        var response = await session.PasswordStepAsync("alice", Password);

        Assert.That(AdminSession.RedirectPath(response), Does.StartWith(AdminSession.TwoFactorSetup));
        foreach (var page in new[] { "/admin", "/admin/participants", "/admin/exports", "/admin/admins" })
            Assert.That(AdminSession.RedirectPath(await session.GetAsync(page)), Is.EqualTo(AdminSession.TwoFactorSetup), page);
        var setup = await (await session.GetAsync(AdminSession.TwoFactorSetup)).Content.ReadAsStringAsync();
        Assert.That(setup, Does.Contain("<svg").And.Contain("id=\"totp-secret\""));
    }

    [Test]
    public async Task An_enrolled_admin_with_only_the_password_cannot_reach_the_admin_pages()
    {
        await EnrolledAsync("alice");
        using var app = new TestApp();
        using var session = new AdminSession(app);

        var response = await session.PasswordStepAsync("alice", Password);

        Assert.That(AdminSession.RedirectPath(response), Does.StartWith(AdminSession.TwoFactorCode + "?"));
        Assert.That(AdminSession.RedirectPath(await session.GetAsync("/admin")), Is.EqualTo(AdminSession.TwoFactorCode));
        Assert.That(AdminSession.RedirectPath(await session.GetAsync("/admin/participants/export.csv")), Is.EqualTo(AdminSession.TwoFactorCode));
        Assert.That(AdminSession.RedirectPath(await session.GetAsync(AdminSession.TwoFactorSetup)), Is.EqualTo("/admin/login"),
            "a pending session cannot set up a new secret instead of typing a code");
    }

    [Test]
    public async Task A_code_from_the_enrolment_secret_gets_in_and_the_same_code_again_does_not()
    {
        var secret = await EnrolledAsync("alice");
        using var app = new TestApp();
        // Setting up used the current step, so the code of the next one (within the allowed skew).
        var code = AdminSession.Code(secret, DateTime.UtcNow.AddSeconds(30));

        using var first = new AdminSession(app);
        await first.PasswordStepAsync("alice", Password);
        var accepted = await first.PostAsync(AdminSession.TwoFactorCode, new Dictionary<string, string> { ["Form.Code"] = code });
        using var second = new AdminSession(app);
        await second.PasswordStepAsync("alice", Password);
        var reused = await second.PostAsync(AdminSession.TwoFactorCode, new Dictionary<string, string> { ["Form.Code"] = code });

        Assert.That(AdminSession.RedirectPath(accepted), Is.EqualTo("/admin"));
        Assert.That((await first.GetAsync("/admin")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(reused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(WebUtility.HtmlDecode(await reused.Content.ReadAsStringAsync()), Does.Contain(TwoFactorModel.Failure));
        Assert.That(AdminSession.RedirectPath(await second.GetAsync("/admin")), Is.EqualTo(AdminSession.TwoFactorCode));
        await using var connection = await OpenAsync();
        Assert.That(await connection.QueryAsync<string>("SELECT action FROM audit_log WHERE action LIKE 'admin.two_factor%' ORDER BY id"),
            Is.EqualTo(new[] { "admin.two_factor_enrolled", "admin.two_factor_passed", "admin.two_factor_failed" }));
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT details::text FROM audit_log WHERE action = 'admin.two_factor_failed'"),
            Does.Not.Contain(code).And.Not.Contain(secret), "no secret in the audit log");
    }

    [TestCase(-60, false)]
    [TestCase(30, true)]
    [TestCase(90, false)]
    public async Task A_code_one_step_off_the_clock_is_accepted_and_two_steps_off_is_not(int secondsOff, bool accepted)
    {
        var secret = await EnrolledAsync("alice");
        using var app = new TestApp();
        using var session = new AdminSession(app);
        await session.PasswordStepAsync("alice", Password);

        var response = await session.PostAsync(AdminSession.TwoFactorCode,
            new Dictionary<string, string> { ["Form.Code"] = AdminSession.Code(secret, DateTime.UtcNow.AddSeconds(secondsOff)) });

        Assert.That(response.StatusCode, Is.EqualTo(accepted ? HttpStatusCode.Redirect : HttpStatusCode.Unauthorized));
    }

    [TestCase("12345")]
    [TestCase("abcdef")]
    [TestCase("99999999999999999999999")]
    [TestCase("\u0000\u0000\u0000\u0000\u0000\u0000")]
    public async Task A_malformed_code_is_a_clear_refusal(string code)
    {
        await EnrolledAsync("alice");
        using var app = new TestApp();
        using var session = new AdminSession(app);
        await session.PasswordStepAsync("alice", Password);

        var response = await session.PostAsync(AdminSession.TwoFactorCode, new Dictionary<string, string> { ["Form.Code"] = code });

        Assert.That((int)response.StatusCode, Is.InRange(400, 401));
        Assert.That(AdminSession.RedirectPath(await session.GetAsync("/admin")), Is.EqualTo(AdminSession.TwoFactorCode));
    }

    [Test]
    public async Task A_recovery_code_works_once()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var enrolling = new AdminSession(app);
        await enrolling.LogInOrFailAsync("alice", Password);
        Assert.That(enrolling.RecoveryCodes, Has.Count.EqualTo(10));
        var code = enrolling.RecoveryCodes[3];

        using var first = new AdminSession(app);
        await first.PasswordStepAsync("alice", Password);
        var accepted = await first.PostAsync(AdminSession.TwoFactorCode, new Dictionary<string, string> { ["Form.Code"] = code.ToUpperInvariant() });
        using var second = new AdminSession(app);
        await second.PasswordStepAsync("alice", Password);
        var reused = await second.PostAsync(AdminSession.TwoFactorCode, new Dictionary<string, string> { ["Form.Code"] = code });

        Assert.That(AdminSession.RedirectPath(accepted), Is.EqualTo("/admin"));
        Assert.That(await (await first.GetAsync("/admin")).Content.ReadAsStringAsync(), Does.Contain("9 are left"));
        Assert.That(reused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM admin_recovery_codes WHERE used_at IS NULL"), Is.EqualTo(9));
    }

    [Test]
    public async Task Wrong_codes_count_towards_the_password_lockout()
    {
        await EnrolledAsync("alice");
        using var app = new TestApp();
        using var session = new AdminSession(app);
        await session.PasswordStepAsync("alice", Password);

        for (var i = 0; i < LoginModel.MaxFailures; i++)
            await session.PostAsync(AdminSession.TwoFactorCode, new Dictionary<string, string> { ["Form.Code"] = "000000" });
        var right = await session.PostAsync(AdminSession.TwoFactorCode,
            new Dictionary<string, string> { ["Form.Code"] = await AdminSession.FreshCodeAsync("alice") });

        Assert.That(right.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "locked: even the right code is refused");
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE action = 'admin.locked'"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_volunteer_needs_no_second_step_unless_the_setting_says_so()
    {
        await AdminSession.CreateAdminAsync("vera", Password, role: "volunteer");
        using var app = new TestApp();
        using var session = new AdminSession(app);
        using var strict = new TestApp(settings: new Dictionary<string, string?> { ["TauTauRun:Admin:TwoFactorRoles"] = "admin,volunteer" });
        using var strictSession = new AdminSession(strict);

        Assert.That(AdminSession.RedirectPath(await session.PasswordStepAsync("vera", Password)), Is.EqualTo("/admin"));
        Assert.That(AdminSession.RedirectPath(await strictSession.PasswordStepAsync("vera", Password)), Does.StartWith(AdminSession.TwoFactorSetup));
    }

    /// <summary>An admin who has set up the app (through the pages); returns the secret.</summary>
    private static async Task<string> EnrolledAsync(string username)
    {
        await AdminSession.CreateAdminAsync(username, Password);
        using (var app = new TestApp())
        using (var session = new AdminSession(app))
            await session.LogInOrFailAsync(username, Password);
        await using var connection = await OpenAsync();
        return await connection.QuerySingleAsync<string>("SELECT totp_secret FROM admins WHERE username = @username", new { username });
    }
}
