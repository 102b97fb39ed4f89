using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Localization;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Status;

/// <summary>
/// "Send me my link again": every active registration of the address gets a new link by email (the old
/// ones work until it is opened), at most once per cooldown. The answer is the same whether or not the
/// address is registered, and whether or not the cooldown held the email back.
/// </summary>
[EnableRateLimiting(RunnerRateLimits.Policy)]
[RequestSizeLimit(8 * 1024)]
public sealed class LinkModel(RunnerChanges changes) : PageModel
{
    [BindProperty]
    [Display(Name = "Field.LinkEmail")]
    [Required(ErrorMessage = "Link.EmailRequired")]
    [StringLength(RunnerFields.EmailMaxLength, ErrorMessage = "Field.Email.TooLong")]
    public string? Email { get; set; }

    public bool Sent { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var email = RunnerInput.Line(Email);
        // Control characters (a NUL among them, which PostgreSQL refuses in text) never reach the lookup.
        if (ModelState.IsValid && RunnerInput.Problem(email) is { } problem)
            ModelState.AddModelError(nameof(Email), RunnerText.Get("Problem.EmailAddress", problem));
        else if (ModelState.IsValid && !RunnerInput.IsEmail(email))
            ModelState.AddModelError(nameof(Email), RunnerText.Get("Field.Email.Shape"));
        if (!ModelState.IsValid)
            return Page();

        await changes.SendNewLinksAsync(email, AuditActor.Runner(HttpContext));
        Sent = true;
        return Page();
    }
}
