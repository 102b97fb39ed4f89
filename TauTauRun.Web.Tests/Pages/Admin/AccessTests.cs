using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

/// <summary>
/// Who may reach what, for every endpoint under /admin as the app itself lists them: a page added later
/// is covered without touching these tests.
/// </summary>
public sealed class AccessTests : DatabaseTest
{
    private const string Password = AdminSession.TestPassword;

    [Test]
    public async Task Every_admin_endpoint_sends_anonymous_visitors_to_the_login_page()
    {
        using var app = new TestApp();
        using var session = new AdminSession(app);
        var endpoints = AdminEndpoints(app).Where(e => !e.Anonymous).ToList();
        Assert.That(endpoints.Select(e => e.Path), Is.SupersetOf(new[] { "/admin", "/admin/admins", "/admin/audit", "/admin/password", "/admin/logout" }));

        foreach (var endpoint in endpoints)
        {
            var get = await session.GetAsync(endpoint.Path);
            var post = await session.Http.PostAsync(endpoint.Path, new FormUrlEncodedContent(new Dictionary<string, string>()));
            Assert.That(AdminSession.RedirectPath(get), Does.StartWith("/admin/login?ReturnUrl="), $"GET {endpoint.Path}");
            Assert.That(AdminSession.RedirectPath(post), Does.StartWith("/admin/login?ReturnUrl="), $"POST {endpoint.Path}");
        }
    }

    [Test]
    public void Only_the_login_page_is_open_to_anonymous_visitors()
    {
        using var app = new TestApp();

        Assert.That(AdminEndpoints(app).Where(e => e.Anonymous).Select(e => e.Path), Is.EqualTo(new[] { "/admin/login" }));
    }

    [Test]
    public async Task A_volunteer_cannot_post_to_any_admin_page_except_their_own_password_logout_and_the_checkin_table()
    {
        using var app = new TestApp();
        using var session = await AdminSession.SignedInAsync(app, "vera", role: "volunteer");
        var endpoints = AdminEndpoints(app).Where(e => !e.Anonymous).ToList();
        Assert.That(endpoints.Where(e => e.VolunteersMayPost).Select(e => e.Path), Is.EquivalentTo(new[] { "/admin/password", "/admin/logout", "/admin/checkin", "/admin/two-factor/setup" }));

        // The code step belongs to sessions that have passed only the password: a signed-in volunteer is refused it too.
        foreach (var endpoint in endpoints.Where(e => !e.VolunteersMayPost))
        {
            var post = await session.PostAsync(endpoint.Path, new Dictionary<string, string>(), tokenFrom: "/admin/password");
            Assert.That(AdminSession.RedirectPath(post), Does.StartWith("/admin/denied"), $"POST {endpoint.Path}");
        }
    }

    [Test]
    public async Task A_volunteer_cannot_add_an_admin()
    {
        using var app = new TestApp();
        using var session = await AdminSession.SignedInAsync(app, "vera", role: "volunteer");

        var response = await session.PostAsync("/admin/admins?handler=Add", new Dictionary<string, string>
        {
            ["Form.Username"] = "eve", ["Form.DisplayName"] = "Eve", ["Form.Role"] = "admin", ["Form.Password"] = "a long enough password",
        }, tokenFrom: "/admin/password");

        Assert.That(AdminSession.RedirectPath(response), Does.StartWith("/admin/denied"));
        Assert.That((await session.GetAsync("/admin/denied")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM admins WHERE username = 'eve'"), Is.Zero);
    }

    [Test]
    public async Task A_volunteer_can_open_the_admin_home_but_not_the_admins_or_the_audit_pages()
    {
        using var app = new TestApp();
        using var session = await AdminSession.SignedInAsync(app, "vera", role: "volunteer");

        Assert.That((await session.GetAsync("/admin")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(AdminSession.RedirectPath(await session.GetAsync("/admin/admins")), Does.StartWith("/admin/denied"));
        Assert.That(AdminSession.RedirectPath(await session.GetAsync("/admin/audit")), Does.StartWith("/admin/denied"));
    }

    [Test]
    public async Task A_post_without_the_form_token_is_refused_with_400()
    {
        using var app = new TestApp();
        using var alice = await AdminSession.SignedInAsync(app, "alice");

        var response = await alice.Http.PostAsync("/admin/admins?handler=Add", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Form.Username"] = "eve", ["Form.DisplayName"] = "Eve", ["Form.Role"] = "admin", ["Form.Password"] = "a long enough password",
        }));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM admins WHERE username = 'eve'"), Is.Zero);
    }

    private sealed record AdminEndpoint(string Path, bool Anonymous, bool VolunteersMayPost);

    /// <summary>Every routed endpoint whose pattern starts with admin, with route values filled in.</summary>
    private static List<AdminEndpoint> AdminEndpoints(WebApplicationFactory<Program> app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("admin", StringComparison.OrdinalIgnoreCase) == true)
            .Select(e => new AdminEndpoint(
                "/" + Regex.Replace(e.RoutePattern.RawText!.TrimStart('/'), @"\{[^}]*\}", "1").ToLowerInvariant(),
                e.Metadata.GetMetadata<IAllowAnonymous>() is not null,
                e.Metadata.GetMetadata<VolunteersMayPostAttribute>() is not null))
            .DistinctBy(e => e.Path)
            .ToList();
}
