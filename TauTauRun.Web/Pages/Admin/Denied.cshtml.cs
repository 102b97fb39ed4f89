using Microsoft.AspNetCore.Mvc.RazorPages;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>Where a signed-in admin lands when their role does not allow a page or a change: a 403.</summary>
public sealed class DeniedModel : PageModel
{
    public string Role { get; private set; } = "";

    public void OnGet()
    {
        Role = AdminSessions.Current(HttpContext)?.Role ?? "unknown";
        Response.StatusCode = StatusCodes.Status403Forbidden;
    }
}
