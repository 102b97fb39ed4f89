using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Each admin changes their own password here, and must when required to. The new security stamp ends
/// every other session of this admin; this one continues with a fresh cookie.
/// </summary>
[VolunteersMayPost]
public sealed class PasswordModel(NpgsqlDataSource dataSource, AdminSessions sessions) : PageModel
{
    [BindProperty] public PasswordChange Form { get; set; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var me = AdminSessions.Current(HttpContext)!;
        if (ModelState.IsValid && AdminPasswords.Problem(Form.NewPassword, me.Username) is { } problem)
            ModelState.AddModelError("Form.NewPassword", problem);
        if (!ModelState.IsValid)
            return Refuse();

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var hash = await connection.QuerySingleAsync<string>(
            "SELECT password_hash FROM admins WHERE id = @Id FOR UPDATE", new { me.Id }, transaction);
        if (AdminPasswords.Verify(hash, Form.CurrentPassword) == PasswordVerificationResult.Failed)
        {
            ModelState.AddModelError("Form.CurrentPassword", "That is not your current password.");
            return Refuse();
        }
        if (Form.NewPassword == Form.CurrentPassword)
        {
            ModelState.AddModelError("Form.NewPassword", "Choose a password different from the current one.");
            return Refuse();
        }
        var updated = await connection.QuerySingleAsync<AdminState>("""
            UPDATE admins
            SET password_hash = @hash, must_change_password = false, security_stamp = gen_random_uuid(), updated_at = now()
            WHERE id = @Id
            RETURNING id, username, display_name, role, is_disabled, must_change_password, security_stamp
            """, new { me.Id, hash = AdminPasswords.Hash(Form.NewPassword) }, transaction);
        await AuditLog.WriteAsync(transaction, AuditActor.Of(HttpContext), "admin.password_changed",
            new { wasRequired = me.MustChangePassword });
        await transaction.CommitAsync();
        sessions.Forget(me.Id);
        await AdminSessions.SignInAsync(HttpContext, updated);
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
