using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Every template (the organiser's wording where there is one) rendered with the event's current
/// settings and a made-up runner: the subject and the plain text here, the HTML on <see cref="EmailPreviewHtmlModel"/>, which is sandboxed.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class EmailPreviewModel(NpgsqlDataSource dataSource, EventSettingsStore store, EmailOutbox outbox) : PageModel
{
    public List<(string Kind, bool Edited, RenderedEmail Email)> Templates { get; } = [];

    public async Task OnGetAsync()
    {
        var settings = await store.LoadAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var kind in EmailKind.All)
        {
            var wording = await EmailTemplateStore.CurrentAsync(connection, kind);
            Templates.Add((kind, wording is not null, outbox.Sample(kind, settings, wording)));
        }
    }
}
