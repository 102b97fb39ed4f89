using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Erasing the event's personal data: from when it is allowed (the Settings' days after the race), what a
/// run would erase now (a dry run), and the confirmation that starts it. Nothing erases by itself: the
/// erasure cannot be undone, so an admin starts it after reading the report.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class RetentionModel(PersonalDataErasure erasure, EventSettingsStore settingsStore) : PageModel
{
    public PersonalDataErasure.Report Preview { get; private set; } = null!;
    public EventSettings Settings { get; private set; } = null!;
    public bool Allowed => DateTime.UtcNow >= Settings.ErasableFrom;

    /// <summary>The admin's tick: "I understand that erased data cannot be brought back".</summary>
    [BindProperty] public bool Confirm { get; set; }

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        if (!Confirm)
            return await AgainAsync(nameof(Confirm), "Tick the box to confirm: erased data cannot be brought back. Nothing was erased.", StatusCodes.Status400BadRequest);
        var outcome = await erasure.EraseEventAsync(AuditActor.Of(HttpContext));
        if (outcome.Refused)
            return await AgainAsync("", outcome.Message, StatusCodes.Status409Conflict);
        TempData["Message"] = outcome.Message;
        return RedirectToPage();
    }

    private async Task<IActionResult> AgainAsync(string field, string message, int status)
    {
        await LoadAsync();
        ModelState.AddModelError(field, message);
        Response.StatusCode = status;
        return Page();
    }

    private async Task LoadAsync()
    {
        settingsStore.Forget(); // the date shown is the one stored now
        Settings = await settingsStore.LoadAsync();
        Preview = await erasure.PreviewEventAsync();
    }
}
