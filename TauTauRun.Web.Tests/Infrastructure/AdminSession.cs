using System.Net;
using AngleSharp.Html.Parser;
using Dapper;
using Microsoft.AspNetCore.Mvc.Testing;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>
/// A browser-like client for the admin area over the in-memory server: keeps its cookies where tests can
/// read and share them, never follows redirects (tests look at them), and posts forms with the
/// antiforgery token read from a page, as a browser would.
/// </summary>
public sealed class AdminSession : IDisposable
{
    private readonly Uri baseAddress;

    public AdminSession(WebApplicationFactory<Program> app, CookieContainer? cookies = null, bool https = false)
    {
        baseAddress = new Uri(https ? "https://localhost" : "http://localhost");
        Cookies = cookies ?? new CookieContainer();
        Http = app.CreateDefaultClient(baseAddress, new CookieHandler(Cookies));
    }

    public CookieContainer Cookies { get; }
    /// <summary>The admin this session was made for by <see cref="SignedInAsync"/>.</summary>
    public long AdminId { get; private init; }
    public HttpClient Http { get; }

    /// <summary>The login cookie's value, or null (both the plain and the __Host- name).</summary>
    public string? LoginCookie => Cookies.GetCookies(baseAddress)
        .FirstOrDefault(c => c.Name.EndsWith(Web.Admin.AdminSetup.CookieName))?.Value;

    public Task<HttpResponseMessage> GetAsync(string path) => Http.GetAsync(path);

    /// <summary>Posts a form to path with the antiforgery token of the page at tokenFrom (by default path itself).</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, IDictionary<string, string> fields, string? tokenFrom = null)
    {
        var token = await FormTokenAsync(tokenFrom ?? path.Split('?')[0]);
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token };
        return await Http.PostAsync(path, new FormUrlEncodedContent(form));
    }

    public async Task<string> FormTokenAsync(string page)
    {
        var response = await Http.GetAsync(page);
        var html = await response.Content.ReadAsStringAsync();
        var input = new HtmlParser().ParseDocument(html).QuerySelector("input[name=__RequestVerificationToken]");
        return input?.GetAttribute("value")
               ?? throw new AssertionException($"{page} answered {(int)response.StatusCode} without a form token");
    }

    /// <summary>The password step alone: after a right password, a redirect to the second factor or its setup.</summary>
    public Task<HttpResponseMessage> PasswordStepAsync(string username, string password, string? returnUrl = null) =>
        PostAsync(AdminLogin + (returnUrl is null ? "" : "?ReturnUrl=" + Uri.EscapeDataString(returnUrl)),
            new Dictionary<string, string> { ["Form.Username"] = username, ["Form.Password"] = password },
            tokenFrom: AdminLogin);

    /// <summary>
    /// Logs in through the real pages: the password, then the second step the app asks for (setting up
    /// the authenticator, with the secret read from the page as a person would scan it, or a code from
    /// the stored secret). The answer is the password step's when that failed, else the last step's
    /// redirect (the setup's "Continue" link counts as one).
    /// </summary>
    public async Task<HttpResponseMessage> LogInAsync(string username, string password, string? returnUrl = null)
    {
        var response = await PasswordStepAsync(username, password, returnUrl);
        var next = RedirectPath(response);
        if (next?.StartsWith(TwoFactorSetup, StringComparison.Ordinal) == true)
            return await EnrolAsync(next);
        if (next?.StartsWith(TwoFactorCode, StringComparison.Ordinal) == true)
            return await PostAsync(next, new Dictionary<string, string> { ["Form.Code"] = await FreshCodeAsync(username) });
        return response;
    }

    /// <summary>Sets up the authenticator from the setup page at path; the answer redirects where its Continue link points.</summary>
    public async Task<HttpResponseMessage> EnrolAsync(string path = TwoFactorSetup)
    {
        var page = new HtmlParser().ParseDocument(await (await Http.GetAsync(path)).Content.ReadAsStringAsync());
        var secret = page.QuerySelector("#totp-secret")?.TextContent
                     ?? throw new AssertionException($"{path} shows no secret to set up");
        var response = await PostAsync(path, new Dictionary<string, string>
        {
            ["Form.Code"] = Code(secret),
            ["Form.ProtectedSecret"] = page.QuerySelector("input[name='Form.ProtectedSecret']")!.GetAttribute("value")!,
        });
        var done = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        RecoveryCodes = done.QuerySelectorAll(".recovery-codes code").Select(c => c.TextContent).ToList();
        if (done.QuerySelector("#continue")?.GetAttribute("href") is not { } target)
            return response;
        var redirect = new HttpResponseMessage(HttpStatusCode.Redirect);
        redirect.Headers.Location = new Uri(target, UriKind.Relative);
        return redirect;
    }

    /// <summary>
    /// For clients that drive the forms themselves (a published app, two instances): the password form
    /// posted, then the second step as <see cref="LogInAsync"/> does it, through <paramref name="forms"/>;
    /// each page read through <paramref name="pagesFrom"/> when given (a second instance behind one load balancer).
    /// </summary>
    public static async Task<HttpResponseMessage> LogInWithFormsAsync(FormClient forms, string username, string password, FormClient? pagesFrom = null)
    {
        pagesFrom ??= forms;
        var page = await pagesFrom.GetAsync(AdminLogin);
        var response = await forms.SubmitAsync(page, AdminLogin,
            new Dictionary<string, string> { ["Form.Username"] = username, ["Form.Password"] = password }, "form.admin-form");
        if (RedirectPath(response) is not { } next || !next.StartsWith(TwoFactorCode, StringComparison.Ordinal))
            return response;
        var step = await pagesFrom.GetAsync(next);
        if (next.StartsWith(TwoFactorSetup, StringComparison.Ordinal))
        {
            var secret = step.QuerySelector("#totp-secret")!.TextContent;
            var done = await FormClient.ParseAsync(await forms.SubmitAsync(step, next, new Dictionary<string, string> { ["Form.Code"] = Code(secret) }, "form.admin-form"));
            var redirect = new HttpResponseMessage(HttpStatusCode.Redirect);
            redirect.Headers.Location = new Uri(done.QuerySelector("#continue")?.GetAttribute("href") ?? next, UriKind.Relative);
            return redirect;
        }
        return await forms.SubmitAsync(step, next, new Dictionary<string, string> { ["Form.Code"] = await FreshCodeAsync(username) }, "form.admin-form");
    }

    /// <summary>The recovery codes shown when this session set up the authenticator.</summary>
    public IReadOnlyList<string> RecoveryCodes { get; private set; } = [];

    /// <summary>The current code of a secret, as an authenticator app shows it.</summary>
    public static string Code(string secret, DateTime? at = null) =>
        new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(at ?? DateTime.UtcNow);

    /// <summary>
    /// A code from the admin's stored secret. Tests log one admin in many times a minute, and each code
    /// works once, so the record of the last used code is cleared first; the one-use rule has tests of its own.
    /// </summary>
    public static async Task<string> FreshCodeAsync(string username)
    {
        await using var connection = new Npgsql.NpgsqlConnection(TestDatabase.ConnectionString);
        var secret = await connection.QuerySingleAsync<string>(
            "UPDATE admins SET totp_last_step = NULL WHERE username = @username RETURNING totp_secret", new { username });
        return Code(secret);
    }

    public const string TwoFactorSetup = "/admin/two-factor/setup";
    public const string TwoFactorCode = "/admin/two-factor";

    /// <summary>Logs in and fails the test unless that worked.</summary>
    public async Task LogInOrFailAsync(string username, string password)
    {
        var response = await LogInAsync(username, password);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await response.Content.ReadAsStringAsync());
    }

    public const string AdminLogin = "/admin/login";
    public const string TestPassword = "correct horse battery";

    /// <summary>A new admin of this role, logged in to app with <see cref="TestPassword"/>.</summary>
    public static async Task<AdminSession> SignedInAsync(WebApplicationFactory<Program> app, string username, string role = "admin")
    {
        var id = await CreateAdminAsync(username, TestPassword, role);
        var session = new AdminSession(app) { AdminId = id };
        await session.LogInOrFailAsync(username, TestPassword);
        return session;
    }

    public void Dispose() => Http.Dispose();

    /// <summary>Adds an admin the way the app does (<see cref="AdminAccounts"/>), returning the id.</summary>
    public static async Task<long> CreateAdminAsync(string username, string password, string role = "admin", bool mustChangePassword = false)
    {
        await using var connection = new Npgsql.NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await AdminAccounts.CreateAsync(transaction, username, username, password, role, mustChangePassword, actor: null)
            ?? throw new InvalidOperationException($"admin '{username}' exists already");
        await transaction.CommitAsync();
        return id;
    }

    /// <summary>Where a redirect points, as a path (null when not a redirect).</summary>
    public static string? RedirectPath(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location is { } location
            ? (location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString)
            : null;

    private sealed class CookieHandler(CookieContainer cookies) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var header = cookies.GetCookieHeader(request.RequestUri!);
            if (header.Length > 0)
                request.Headers.Add("Cookie", header);
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
                foreach (var setCookie in setCookies)
                    cookies.SetCookies(request.RequestUri!, setCookie);
            return response;
        }
    }
}
