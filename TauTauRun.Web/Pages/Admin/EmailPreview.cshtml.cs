using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Every template in one language (the organiser's wording in it where there is one) rendered with the
/// event's current settings and a made-up runner who reads that language: the subject and the plain text
/// here, the HTML on <see cref="EmailPreviewHtmlModel"/>, which is sandboxed.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class EmailPreviewModel(NpgsqlDataSource dataSource, EventSettingsStore store, EmailOutbox outbox) : PageModel
{
    public List<(string Kind, bool Edited, RenderedEmail Email)> Templates { get; } = [];
    public string Language { get; private set; } = Languages.Default;

    public async Task<IActionResult> OnGetAsync(string? language)
    {
        Language = language ?? Languages.Default;
        if (!Languages.IsSupported(Language))
            return NotFound();
        var settings = await store.LoadAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var kind in EmailKind.All)
        {
            var wording = await EmailTemplateStore.CurrentAsync(connection, kind, Language);
            Templates.Add((kind, wording is not null, outbox.Sample(kind, Language, settings, wording)));
        }
        return Page();
    }
}
