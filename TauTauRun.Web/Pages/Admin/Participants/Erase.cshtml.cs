using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin.Participants;

/// <summary>
/// A runner's request to have their personal data erased: what it would do (a runner still in the race
/// is cancelled first), and the confirmation that does it.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class EraseModel(PersonalDataErasure erasure) : PageModel
{
    public PersonalDataErasure.Outcome Preview { get; private set; } = null!;

    /// <summary>The admin's tick: "the runner asked for this, and it cannot be undone".</summary>
    [BindProperty] public bool Confirm { get; set; }

    public async Task<IActionResult> OnGetAsync(long id)
    {
        Preview = await erasure.PreviewRunnerAsync(id);
        return Preview.NoSuchRunner ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostAsync(long id)
    {
        if (!Confirm)
            return await AgainAsync(id, nameof(Confirm), "Tick the box to confirm: erased data cannot be brought back. Nothing was erased.", StatusCodes.Status400BadRequest);
        var outcome = await erasure.EraseRunnerAsync(id, AuditActor.Of(HttpContext));
        if (outcome.NoSuchRunner)
            return NotFound();
        if (outcome.Refused)
            return await AgainAsync(id, "", outcome.Message, StatusCodes.Status409Conflict);
        TempData["Message"] = outcome.Message;
        return Redirect($"/admin/participants/{id}");
    }

    private async Task<IActionResult> AgainAsync(long id, string field, string message, int status)
    {
        var result = await OnGetAsync(id);
        ModelState.AddModelError(field, message);
        Response.StatusCode = status;
        return result;
    }
}
