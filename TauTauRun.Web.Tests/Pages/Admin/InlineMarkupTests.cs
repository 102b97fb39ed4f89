using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

/// <summary>
/// The CSP forbids inline script and style, so a browser would silently drop them: the event, races and
/// email pages must carry none, with and without error messages on them.
/// </summary>
public sealed class InlineMarkupTests : DatabaseTest
{
    private const string Password = "correct horse battery";

    [Test]
    public async Task The_event_races_and_email_pages_have_no_inline_style_or_script()
    {
        long raceId;
        await using (var connection = await OpenAsync())
        {
            raceId = await TestData.CategoryAsync(connection);
            var runner = await TestData.ParticipantAsync(connection, raceId, "PAID");
            await TestData.EmailAsync(connection, runner, "PAYMENT_CONFIRMED", "FAILED");
        }
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var alice = new AdminSession(app);
        await alice.LogInOrFailAsync("alice", Password);
        var pages = new List<(string What, HttpResponseMessage Response)>();
        foreach (var path in new[] { "/admin/settings", "/admin/categories", $"/admin/categories/{raceId}", "/admin/emails", "/admin/emails/preview", "/admin" })
            pages.Add((path, await alice.GetAsync(path)));
        pages.Add(("settings with errors", await alice.PostAsync("/admin/settings", new Dictionary<string, string> { ["Form.TimeZone"] = "Nowhere/Special" })));
        pages.Add(("races with errors", await alice.PostAsync("/admin/categories", new Dictionary<string, string> { ["Form.Price"] = "-1" })));

        foreach (var (what, response) in pages)
        {
            var html = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK).Or.EqualTo(HttpStatusCode.BadRequest), what);
            Assert.That(html, Does.Not.Contain("style=").And.Not.Contain("<script").And.Not.Contain("javascript:"), what);
        }
    }
}
