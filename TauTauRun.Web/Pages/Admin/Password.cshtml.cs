using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Hosting;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Each admin changes their own password here, and must when required to. The new security stamp ends
/// every other session of this admin; this one continues with a fresh cookie. The current-password
/// check is a login of its own to whoever holds a stolen session: rate-limited like the login page, and
/// a wrong one counts towards the same lockout.
/// </summary>
[VolunteersMayPost]
[EnableRateLimiting(AdminSetup.LoginRateLimit)]
[RateLimitSubject("password attempts")]
public sealed class PasswordModel(NpgsqlDataSource dataSource, AdminSessions sessions, EventSettingsStore events) : PageModel
{
    [BindProperty] public PasswordChange Form { get; set; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var me = AdminSessions.Current(HttpContext)!;
        var eventName = (await events.LoadAsync()).Name;
        if (ModelState.IsValid && AdminPasswords.Problem(Form.NewPassword, me.Username, eventName) is { } problem)
            ModelState.AddModelError("Form.NewPassword", problem);
        if (!ModelState.IsValid)
            return Refuse();

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var (hash, locked) = await connection.QuerySingleAsync<(string, bool)>(
            "SELECT password_hash, coalesce(locked_until > now(), false) FROM admins WHERE id = @Id FOR UPDATE", new { me.Id }, transaction);
        if (locked || AdminPasswords.Verify(hash, Form.CurrentPassword) == PasswordVerificationResult.Failed)
        {
            var actor = AuditActor.Of(HttpContext);
            if (!locked)
                await LoginLockout.CountFailureAsync(transaction, actor);
            await AuditLog.WriteAsync(transaction, actor, "admin.password_change_failed", new { reason = locked ? "locked" : "wrong_current_password" });
            await transaction.CommitAsync();
            ModelState.AddModelError("Form.CurrentPassword", locked
                ? "Too many wrong passwords: your account is locked for 15 minutes."
                : "That is not your current password. After 5 wrong attempts your account is locked for 15 minutes.");
            return Refuse();
        }
        if (Form.NewPassword == Form.CurrentPassword)
        {
            ModelState.AddModelError("Form.NewPassword", "Choose a password different from the current one.");
            return Refuse();
        }
        var updated = await connection.QuerySingleAsync<AdminState>("""
            UPDATE admins
            SET password_hash = @hash, must_change_password = false, password_expires_at = NULL, failed_login_count = 0,
                security_stamp = gen_random_uuid(), updated_at = now()
            WHERE id = @Id
            RETURNING id, username, display_name, role, is_disabled, must_change_password, security_stamp
            """, new { me.Id, hash = AdminPasswords.Hash(Form.NewPassword) }, transaction);
        await AuditLog.WriteAsync(transaction, AuditActor.Of(HttpContext), "admin.password_changed",
            new { wasRequired = me.MustChangePassword });
        await transaction.CommitAsync();
        sessions.Forget(me.Id);
        await AdminSessions.SignInAsync(HttpContext, updated, AdminSessions.Issued(User));
        TempData["Message"] = "Your password has been changed. Your other sessions have ended.";
        return RedirectToPage("/Admin/Index");
    }

    private PageResult Refuse()
    {
        Form = new PasswordChange();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public sealed record PasswordChange
    {
        [Required(ErrorMessage = "Enter your current password.")]
        [DataType(DataType.Password)]
        [Display(Name = "Current password")]
        public string CurrentPassword { get; init; } = "";

        [Required(ErrorMessage = "Enter a new password.")]
        [DataType(DataType.Password)]
        [Display(Name = "New password")]
        public string NewPassword { get; init; } = "";

        [Required(ErrorMessage = "Enter the new password again.")]
        [Compare(nameof(NewPassword), ErrorMessage = "The two new passwords differ.")]
        [DataType(DataType.Password)]
        [Display(Name = "New password again")]
        public string ConfirmPassword { get; init; } = "";
    }
}
