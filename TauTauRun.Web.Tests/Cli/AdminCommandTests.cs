using System.Net;
using Dapper;
using Microsoft.AspNetCore.Identity;
using TauTauRun.Web.Data;
using TauTauRun.Web.Tests.Admin;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Cli;

/// <summary>The admin commands of the published binary, against the suite's database, as the plan's Scenario 4 runs them.</summary>
public sealed class AdminCommandTests : DatabaseTest
{
    private const string Password = AdminSession.TestPassword;
    private Dictionary<string, string> environment = [];

    [SetUp]
    public void CreateLogDirectory() =>
        environment = PublishedApp.Environment(Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "logs", Guid.NewGuid().ToString("N"))).FullName);

    [Test]
    public async Task Create_admin_reads_the_password_from_stdin_and_is_safe_to_run_twice()
    {
        var first = await PublishedApp.RunCommandWithInputAsync(environment, Password + "\n",
            "create-admin", "--username", "Ops", "--display-name", "Ops Person", "--role", "admin");
        var second = await PublishedApp.RunCommandWithInputAsync(environment, "another password entirely\n",
            "create-admin", "--username", "ops", "--display-name", "Someone Else");

        Assert.That(first.ExitCode, Is.Zero, first.Error);
        Assert.That(first.Output, Does.Contain("Created admin 'ops' (Ops Person)"));
        Assert.That(second.ExitCode, Is.Zero, second.Error);
        Assert.That(second.Output, Does.Contain("Admin 'ops' already exists; nothing changed."));
        await using var connection = await OpenAsync();
        var admin = await connection.QuerySingleAsync<(string DisplayName, string Role, string PasswordHash)>(
            "SELECT display_name, role, password_hash FROM admins WHERE username = 'ops'");
        Assert.That(admin.DisplayName, Is.EqualTo("Ops Person"));
        Assert.That(AdminPasswords.Verify(admin.PasswordHash, Password), Is.EqualTo(PasswordVerificationResult.Success));
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT actor FROM audit_log WHERE action = 'admin.created'"), Is.EqualTo("command line"));
        using var app = new TestApp();
        using var session = new AdminSession(app);
        await session.LogInOrFailAsync("ops", Password);
    }

    [Test]
    public async Task Create_admin_never_takes_a_password_from_the_command_line()
    {
        var result = await PublishedApp.RunCommandAsync(environment,
            "create-admin", "--username", "ops", "--display-name", "Ops", "--password", Password);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Error, Does.Contain("a password is never taken from the command line"));
        Assert.That(await CountAsync("SELECT count(*) FROM admins"), Is.Zero);
    }

    [TestCase("", "no password on standard input")]
    [TestCase("short\n", "at least 12 characters")]
    public async Task Create_admin_refuses_a_missing_or_weak_password_in_one_line(string input, string message)
    {
        var result = await PublishedApp.RunCommandWithInputAsync(environment, input, "create-admin", "--username", "ops", "--display-name", "Ops");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.Error, Does.Contain(message));
        Assert.That(await CountAsync("SELECT count(*) FROM admins"), Is.Zero);
    }

    [Test]
    public async Task Revoke_sessions_ends_every_admins_session_in_a_running_service()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        await AdminSession.CreateAdminAsync("vera", Password, role: "volunteer");
        using var app = AdminSessionTests.ImmediateChecks();
        using var alice = new AdminSession(app);
        using var vera = new AdminSession(app);
        await alice.LogInOrFailAsync("alice", Password);
        await vera.LogInOrFailAsync("vera", Password);

        var result = await PublishedApp.RunCommandAsync(environment, "revoke-sessions");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain("Ended the sessions of 2 admins"));
        Assert.That(AdminSession.RedirectPath(await alice.GetAsync("/admin")), Does.StartWith("/admin/login"));
        Assert.That(AdminSession.RedirectPath(await vera.GetAsync("/admin")), Does.StartWith("/admin/login"));
        Assert.That(await CountAsync("SELECT count(*) FROM audit_log WHERE action = 'sessions.revoked'"), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT count(*) FROM admins WHERE must_change_password"), Is.Zero);
    }

    [Test]
    public async Task Revoke_sessions_can_require_every_admin_to_choose_a_new_password()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        await AdminSession.CreateAdminAsync("bob", Password);

        var result = await PublishedApp.RunCommandAsync(environment, "revoke-sessions", "--require-password-change");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain("Every admin must choose a new password"));
        Assert.That(await CountAsync("SELECT count(*) FROM admins WHERE must_change_password"), Is.EqualTo(2));
        using var app = new TestApp();
        using var alice = new AdminSession(app);
        await alice.LogInOrFailAsync("alice", Password);
        Assert.That(AdminSession.RedirectPath(await alice.GetAsync("/admin")), Is.EqualTo("/admin/password"));
    }

    [Test]
    public async Task Rotate_keys_makes_every_earlier_cookie_unreadable_in_a_running_and_a_restarted_service()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var running = AdminSessionTests.ImmediateChecks();
        using var alice = new AdminSession(running);
        await alice.LogInOrFailAsync("alice", Password);
        var stampInCookie = await StampAsync();

        var result = await PublishedApp.RunCommandAsync(environment, "rotate-keys");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain("Revoked 1 data protection keys and created key"));
        Assert.That(await CountAsync("SELECT count(*) FROM audit_log WHERE action = 'keys.rotated'"), Is.EqualTo(1));
        // Put the old stamp back: from here on only the revoked key can make the old cookie fail.
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("UPDATE admins SET security_stamp = @stampInCookie", new { stampInCookie });
        using var restarted = new TestApp();
        using (var oldCookie = new AdminSession(restarted, Copy(alice.Cookies)))
        {
            Assert.That(oldCookie.LoginCookie, Is.Not.Null);
            Assert.That(AdminSession.RedirectPath(await oldCookie.GetAsync("/admin")), Does.StartWith("/admin/login"), "a restarted service");
        }
        Assert.That(AdminSession.RedirectPath(await alice.GetAsync("/admin")), Does.StartWith("/admin/login"), "the running service");

        using var fresh = new AdminSession(running);
        await fresh.LogInOrFailAsync("alice", Password);
        using var freshElsewhere = new AdminSession(restarted, fresh.Cookies);
        Assert.That((await freshElsewhere.GetAsync("/admin")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the running service signs with the new key");
    }

    private static System.Net.CookieContainer Copy(System.Net.CookieContainer cookies)
    {
        var copy = new System.Net.CookieContainer();
        copy.Add(cookies.GetAllCookies());
        return copy;
    }

    private static async Task<Guid> StampAsync()
    {
        await using var connection = await OpenAsync();
        return await connection.ExecuteScalarAsync<Guid>("SELECT security_stamp FROM admins");
    }

    private static async Task<long> CountAsync(string sql)
    {
        await using var connection = await OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    [Test]
    public async Task Reset_two_factor_sends_the_admin_back_to_set_up_the_app_and_is_audited()
    {
        await AdminSession.CreateAdminAsync("ops", Password);
        using var app = new TestApp();
        using var before = new AdminSession(app);
        await before.LogInOrFailAsync("ops", Password);

        var result = await PublishedApp.RunCommandAsync(environment, "reset-two-factor", "--username", "OPS");
        var unknown = await PublishedApp.RunCommandAsync(environment, "reset-two-factor", "--username", "nobody");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain("Removed the second factor of 'ops'"));
        Assert.That(unknown.ExitCode, Is.EqualTo(1));
        Assert.That(unknown.Error, Does.Contain("there is no admin 'nobody'"));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM admin_recovery_codes"), Is.Zero);
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT actor FROM audit_log WHERE action = 'admin.two_factor_reset'"), Is.EqualTo("command line"));
        using var after = new AdminSession(app);
        Assert.That(AdminSession.RedirectPath(await after.PasswordStepAsync("ops", Password)), Does.StartWith(AdminSession.TwoFactorSetup));
    }
}
