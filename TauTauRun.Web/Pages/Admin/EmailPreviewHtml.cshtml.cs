using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;
using TauTauRun.Web.Hosting;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// One template's HTML body as the mail program would show it, served as its own document under a
/// <c>sandbox</c> Content-Security-Policy: whatever the body held, nothing in it runs or reaches this site.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
[SandboxedContent]
public sealed class EmailPreviewHtmlModel(NpgsqlDataSource dataSource, EventSettingsStore store, EmailOutbox outbox) : PageModel
{
    public async Task<IActionResult> OnGetAsync(string kind, string? language)
    {
        // Generated links are lower-case (LowercaseUrls), the kinds are upper-case.
        var known = EmailKind.All.FirstOrDefault(k => string.Equals(k, kind, StringComparison.OrdinalIgnoreCase));
        language ??= Languages.Default;
        if (known is null || !Languages.IsSupported(language))
            return NotFound();
        await using var connection = await dataSource.OpenConnectionAsync();
        var email = outbox.Sample(known, language, await store.LoadAsync(), await EmailTemplateStore.CurrentAsync(connection, known, language));
        return Content(email.Html, "text/html; charset=utf-8");
    }
}
