using Microsoft.AspNetCore.Mvc.RazorPages;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>The admin area's start page (the dashboard will live here).</summary>
public sealed class IndexModel : PageModel
{
    public AdminState Admin { get; private set; } = null!;

    public void OnGet() => Admin = AdminSessions.Current(HttpContext)!;
}
