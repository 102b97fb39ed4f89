using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Logging out gives the admin a new security stamp, so a copy of the cookie (a shared computer, a
/// stolen one) stops working too; the price is that the admin's other sessions end as well.
/// </summary>
[VolunteersMayPost]
public sealed class LogoutModel(NpgsqlDataSource dataSource, AdminSessions sessions) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var actor = AuditActor.Of(HttpContext);
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync("UPDATE admins SET security_stamp = gen_random_uuid() WHERE id = @AdminId", new { actor.AdminId }, transaction);
            await AuditLog.WriteAsync(transaction, actor, "admin.logout");
            await transaction.CommitAsync();
        }
        sessions.Forget(actor.AdminId!.Value);
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Redirect(AdminSetup.LoginPath);
    }
}
