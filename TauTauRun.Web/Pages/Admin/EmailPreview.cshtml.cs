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
        Templates = EmailKind.All.Select(kind => (kind, Sample(kind, settings, outbox))).ToList();
    }

    /// <summary>A made-up runner; the status link has the real shape but opens nothing.</summary>
    public static RenderedEmail Sample(string kind, EventSettings settings, EmailOutbox outbox)
    {
        var now = DateTime.UtcNow;
        var runner = new RunnerDetails("anna.de.vries@example.org", "Anna de Vries", "TTR-7K3M9Q", "10K", 2500, "EUR",
            Bib: 1042, PendingSince: now, OfferExpiresAt: now.AddHours(settings.WaitlistOfferHours));
        return EmailTemplates.Render(kind, settings, runner, outbox.StatusUrl("sample-link-for-the-preview"));
    }
}
