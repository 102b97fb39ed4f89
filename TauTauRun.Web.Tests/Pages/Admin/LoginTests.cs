using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Cryptography.KeyDerivation;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using TauTauRun.Web.Data;
using TauTauRun.Web.Pages.Admin;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

public sealed class LoginTests : DatabaseTest
{
    private const string Password = AdminSession.TestPassword;

    [Test]
    public async Task Logging_in_sets_an_http_only_same_site_strict_cookie_and_audits_it()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var session = new AdminSession(app);

        var password = await session.PasswordStepAsync("alice", Password);
        var cookie = password.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("tautaurun-admin="));
        var enrolled = await session.EnrolAsync(AdminSession.RedirectPath(password)!);

        Assert.That(AdminSession.RedirectPath(enrolled), Is.EqualTo("/admin"));
        Assert.That(cookie, Does.Contain("httponly").IgnoreCase.And.Contain("samesite=strict").IgnoreCase.And.Contain("path=/"));
        Assert.That(cookie, Does.Not.Contain("secure;").IgnoreCase, "plain HTTP with SecureCookieOnly off cannot carry a Secure cookie");
        var home = await session.GetAsync("/admin");
        Assert.That(home.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await home.Content.ReadAsStringAsync(), Does.Contain("Signed in as"));
        Assert.That(await AuditActionsAsync(), Is.EqualTo(new[] { "admin.login", "admin.two_factor_enrolled" }));
    }

    [Test]
    public async Task Over_https_the_cookie_is_secure_and_host_prefixed()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var session = new AdminSession(app, https: true);

        var response = await session.PasswordStepAsync("alice", Password);
        await session.EnrolAsync(AdminSession.RedirectPath(response)!);

        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.Contains("tautaurun-admin="));
        Assert.That(cookie, Does.StartWith("__Host-tautaurun-admin="));
        Assert.That(cookie, Does.Contain("secure").IgnoreCase.And.Contain("path=/").And.Not.Contain("domain=").IgnoreCase);
        Assert.That((await session.GetAsync("/admin")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Outside_development_the_cookie_is_secure_and_host_prefixed_even_on_a_plain_http_request()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp(settings: new Dictionary<string, string?> { [TestApp.SecureCookieOnly] = null });
        using var session = new AdminSession(app);

        var response = await session.PasswordStepAsync("alice", Password);

        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.Contains("tautaurun-admin="));
        Assert.That(cookie, Does.StartWith("__Host-tautaurun-admin=").And.Contain("secure").IgnoreCase);
    }

    [Test]
    public async Task Five_failures_lock_the_account_for_fifteen_minutes_even_for_the_right_password()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var session = new AdminSession(app);

        for (var i = 0; i < LoginModel.MaxFailures; i++)
            Assert.That((await session.LogInAsync("alice", "wrong password " + i)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var right = await session.LogInAsync("alice", Password);

        Assert.That(right.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await right.Content.ReadAsStringAsync(), Does.Contain(LoginModel.Failure));
        await using var connection = await OpenAsync();
        var lockedFor = await connection.ExecuteScalarAsync<TimeSpan>("SELECT locked_until - now() FROM admins WHERE username = 'alice'");
        Assert.That(lockedFor, Is.InRange(TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15)));
        Assert.That(await AuditActionsAsync(), Does.Contain("admin.locked"));
    }

    [Test]
    public async Task A_locked_account_opens_again_once_the_lock_has_passed()
    {
        var id = await AdminSession.CreateAdminAsync("alice", Password);
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("UPDATE admins SET locked_until = now() - interval '1 second' WHERE id = @id", new { id });
        using var app = new TestApp();
        using var session = new AdminSession(app);

        Assert.That(AdminSession.RedirectPath(await session.LogInAsync("alice", Password)), Is.EqualTo("/admin"));
    }

    [Test]
    public async Task An_unknown_user_gets_the_same_answer_as_a_wrong_password()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var session = new AdminSession(app);

        var wrongPassword = await session.LogInAsync("alice", "not the password");
        var unknownUser = await session.LogInAsync("mallory", "not the password");

        Assert.That(unknownUser.StatusCode, Is.EqualTo(wrongPassword.StatusCode).And.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(WithoutTokens(await unknownUser.Content.ReadAsStringAsync()),
            Is.EqualTo(WithoutTokens(await wrongPassword.Content.ReadAsStringAsync()).Replace("value=\"alice\"", "value=\"mallory\"")));
        Assert.That(await unknownUser.Content.ReadAsStringAsync(), Does.Contain(LoginModel.Failure));
    }

    [TestCase("ali\0ce")]
    [TestCase("alice\u0007")]
    [TestCase("\u00e9\ud83c\udfc3 x")]
    public async Task A_name_no_username_can_have_is_answered_like_an_unknown_user(string typed)
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var session = new AdminSession(app);
        // Multipart, as a browser may send it: a NUL byte reaches the handler, and PostgreSQL refuses it in text.
        var form = new MultipartFormDataContent
        {
            { new StringContent(await session.FormTokenAsync(AdminSession.AdminLogin)), "__RequestVerificationToken" },
            { new StringContent(typed), "Form.Username" },
            { new StringContent(Password), "Form.Password" },
        };

        var response = await session.Http.PostAsync(AdminSession.AdminLogin, form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain(LoginModel.Failure));
    }

    [Test]
    public async Task An_unknown_user_takes_as_long_as_a_wrong_password()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var session = new AdminSession(app);
        await session.LogInAsync("warm-up", "x"); // first request compiles the page and builds the dummy hash

        var wrong = new List<double>();
        var unknown = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            wrong.Add(await TimeAsync(() => session.LogInAsync("alice", "not the password")));
            unknown.Add(await TimeAsync(() => session.LogInAsync("nobody-" + i, "not the password")));
        }

        // Without the dummy hash an unknown user answers tens of times faster than a wrong password.
        var ratio = unknown.Order().ElementAt(1) / wrong.Order().ElementAt(1);
        Assert.That(ratio, Is.InRange(0.5, 2.0), $"unknown user {string.Join(", ", unknown)} ms, wrong password {string.Join(", ", wrong)} ms");
    }

    [Test]
    public async Task The_login_post_is_rate_limited_per_address_with_retry_after()
    {
        using var app = new TestApp();
        using var session = new AdminSession(app);
        var token = await session.FormTokenAsync(AdminSession.AdminLogin);
        Task<HttpResponseMessage> PostAsync() => session.Http.PostAsync(AdminSession.AdminLogin, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Form.Username"] = "nobody", ["Form.Password"] = "guess", ["__RequestVerificationToken"] = token,
        }));

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < Web.Admin.AdminSetup.LoginPostsPerMinute; i++)
            answers.Add((await PostAsync()).StatusCode);
        var limited = await PostAsync();

        Assert.That(answers, Is.All.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(limited.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(int.Parse(limited.Headers.GetValues("Retry-After").Single()), Is.InRange(1, 60));
        Assert.That(await limited.Content.ReadAsStringAsync(), Does.Contain("Too many login attempts"));
        Assert.That((await session.GetAsync(AdminSession.AdminLogin)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "showing the form is not limited");
    }

    [Test]
    public async Task An_older_weaker_hash_is_replaced_at_the_next_login()
    {
        var weaker = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 }));
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("""
                INSERT INTO admins (username, display_name, password_hash, role) VALUES ('alice', 'Alice', @hash, 'admin')
                """, new { hash = weaker.HashPassword(new object(), Password) });
        using var app = new TestApp();
        using var session = new AdminSession(app);

        await session.LogInOrFailAsync("alice", Password);

        await using var check = await OpenAsync();
        var stored = await check.ExecuteScalarAsync<string>("SELECT password_hash FROM admins WHERE username = 'alice'");
        Assert.That(Iterations(stored!), Is.EqualTo(AdminPasswords.Iterations));
        Assert.That(AdminPasswords.Verify(stored!, Password), Is.EqualTo(PasswordVerificationResult.Success));
    }

    [Test]
    public void Hashes_are_pbkdf2_sha512_with_210000_iterations_and_a_128_bit_salt()
    {
        var bytes = Convert.FromBase64String(AdminPasswords.Hash(Password));

        Assert.That(bytes[0], Is.EqualTo(0x01), "Identity v3 format");
        Assert.That(ReadUInt32(bytes, 1), Is.EqualTo((uint)KeyDerivationPrf.HMACSHA512));
        Assert.That(ReadUInt32(bytes, 5), Is.EqualTo(210_000));
        Assert.That(ReadUInt32(bytes, 9), Is.EqualTo(16), "salt length in bytes");
    }

    [Test]
    public async Task Logging_out_ends_the_session_and_a_copy_of_the_cookie_stops_working()
    {
        using var app = new TestApp();
        using var session = await AdminSession.SignedInAsync(app, "alice");
        var copy = new System.Net.CookieContainer();
        copy.Add(session.Cookies.GetAllCookies());

        var logout = await session.PostAsync("/admin/logout", new Dictionary<string, string>(), tokenFrom: "/admin");

        Assert.That(AdminSession.RedirectPath(logout), Is.EqualTo("/admin/login"));
        Assert.That(session.LoginCookie, Is.Null);
        using var replay = new AdminSession(app, copy);
        Assert.That(AdminSession.RedirectPath(await replay.GetAsync("/admin")), Does.StartWith("/admin/login"));
    }

    [Test]
    public async Task Missing_fields_are_a_400_with_a_message()
    {
        using var app = new TestApp();
        using var session = new AdminSession(app);

        var response = await session.PostAsync(AdminSession.AdminLogin, new Dictionary<string, string> { ["Form.Username"] = "alice" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("Enter your password."));
    }

    [Test]
    public async Task After_login_it_goes_only_to_a_page_of_the_admin_area()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var first = new AdminSession(app);
        using var second = new AdminSession(app);

        var inside = await first.LogInAsync("alice", Password, returnUrl: "/admin/audit");
        var outside = await second.LogInAsync("alice", Password, returnUrl: "https://evil.example/admin");

        Assert.That(AdminSession.RedirectPath(inside), Is.EqualTo("/admin/audit"));
        Assert.That(AdminSession.RedirectPath(outside), Is.EqualTo("/admin"));
    }

    [Test]
    public async Task Logins_leave_no_username_or_password_in_the_logs()
    {
        await AdminSession.CreateAdminAsync("alice-7c1f", Password);
        using var app = new TestApp();
        using var session = new AdminSession(app);

        await session.LogInAsync("alice-7c1f", "wrong-9d2e-password");
        await session.LogInAsync("nobody-5b3a", "guess-4f8c-password");
        await session.LogInOrFailAsync("alice-7c1f", Password);
        await app.DisposeAsync(); // flushes the log files

        var log = File.ReadAllText(Path.Combine(app.LogDirectory, "api.log"));
        Assert.That(log, Does.Contain("HTTP POST /admin/login responded 302").IgnoreCase, "the log was written");
        foreach (var secret in new[] { "alice-7c1f", "wrong-9d2e", "nobody-5b3a", "guess-4f8c", Password })
            Assert.That(log, Does.Not.Contain(secret));
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static string WithoutTokens(string html) =>
        Regex.Replace(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]*\"", "TOKEN");

    private static int Iterations(string hash) => (int)ReadUInt32(Convert.FromBase64String(hash), 5);

    private static uint ReadUInt32(byte[] bytes, int offset) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset, 4));

    private static async Task<string[]> AuditActionsAsync()
    {
        await using var connection = await OpenAsync();
        return (await connection.QueryAsync<string>("SELECT action FROM audit_log ORDER BY id")).ToArray();
    }
}
