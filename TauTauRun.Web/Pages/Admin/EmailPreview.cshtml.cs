using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Every template rendered with the event's current settings and a made-up runner: the subject and the
/// plain text here, the HTML on <see cref="EmailPreviewHtmlModel"/>, which is sandboxed.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class EmailPreviewModel(EventSettingsStore store, EmailOutbox outbox) : PageModel
{
    public IReadOnlyList<(string Kind, RenderedEmail Email)> Templates { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var settings = await store.LoadAsync();
        Templates = EmailKind.All.Select(kind => (kind, outbox.Sample(kind, settings))).ToList();
    }
}
