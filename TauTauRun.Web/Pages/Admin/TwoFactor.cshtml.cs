using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Hosting;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Login, second step: a code from the authenticator app, or one of the recovery codes. Only a session
/// that passed the password step gets here; a wrong or reused code counts towards the same lockout as a
/// wrong password, under the same rate limit.
/// </summary>
[SecondStep]
[EnableRateLimiting(AdminSetup.LoginRateLimit)]
[RateLimitSubject("login attempts")]
public sealed class TwoFactorModel(NpgsqlDataSource dataSource, TimeProvider clock) : PageModel
{
    public const string Failure = "That code is not right, or was used already. Wait for the next code and try again.";

    [BindProperty] public CodeForm Form { get; set; } = new();
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    public IActionResult OnGet() => AdminSessions.Pending(User) == AdminSessions.PendingCode ? Page() : Redirect(AdminSetup.LoginPath);

    public async Task<IActionResult> OnPostAsync()
    {
        if (AdminSessions.Pending(User) != AdminSessions.PendingCode
            || !long.TryParse(User.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
            return Redirect(AdminSetup.LoginPath);
        if (!ModelState.IsValid)
            return Refuse(StatusCodes.Status400BadRequest);

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var admin = await connection.QuerySingleAsync<Account>("""
            SELECT id, username, display_name, role, is_disabled, must_change_password, security_stamp, totp_secret,
                   coalesce(locked_until > now(), false) AS is_locked
            FROM admins WHERE id = @id
            FOR UPDATE
            """, new { id }, transaction);
        var actor = new AuditActor(admin.Id, admin.Username, HttpContext.Connection.RemoteIpAddress?.ToString());
        var code = Form.Code.Trim();
        var (method, recoveryCodesLeft) = admin.IsLocked || admin.TotpSecret is null ? (null, null)
            : TwoFactor.IsTotpShape(code) ? (await UseTotpAsync(transaction, admin, code) ? "totp" : null, (int?)null)
            : await TwoFactor.UseRecoveryCodeAsync(transaction, admin.Id, code) is { } left ? ("recovery_code", left)
            : (null, null);
        if (method is null)
        {
            if (!admin.IsLocked)
                await LoginLockout.CountFailureAsync(transaction, actor);
            await AuditLog.WriteAsync(transaction, actor, "admin.two_factor_failed",
                new { reason = admin.IsLocked ? "locked" : TwoFactor.IsTotpShape(code) ? "wrong_or_used_code" : "wrong_or_used_recovery_code" });
            await transaction.CommitAsync();
            return Refuse(StatusCodes.Status401Unauthorized);
        }
        await LoginLockout.ResetAsync(transaction, admin.Id);
        await AuditLog.WriteAsync(transaction, actor, "admin.two_factor_passed", new { method, recoveryCodesLeft });
        await transaction.CommitAsync();
        await AdminSessions.SignInAsync(HttpContext, admin.State, AdminSessions.Issued(User));
        if (recoveryCodesLeft is { } count)
            TempData["Message"] = $"You used a recovery code; {count} are left. Set up your authenticator again from the password page if you lost it.";
        return LocalRedirect(AdminSetup.AdminTarget(Url, ReturnUrl));
    }

    private async Task<bool> UseTotpAsync(NpgsqlTransaction transaction, Account admin, string code) =>
        TwoFactor.MatchingStep(admin.TotpSecret!, code, clock.GetUtcNow().UtcDateTime) is { } step
        && await TwoFactor.UseStepAsync(transaction, admin.Id, step);

    private PageResult Refuse(int status)
    {
        if (status == StatusCodes.Status401Unauthorized)
            ModelState.AddModelError("", Failure);
        Form = new CodeForm();
        Response.StatusCode = status;
        return Page();
    }

    public sealed record CodeForm
    {
        [Required(ErrorMessage = "Enter the code from your authenticator app, or a recovery code.")]
        [StringLength(40, ErrorMessage = "A code has 6 digits; a recovery code 24 letters and digits.")]
        [Display(Name = "Code")]
        public string Code { get; init; } = "";
    }

    private sealed record Account(long Id, string Username, string DisplayName, string Role, bool IsDisabled,
        bool MustChangePassword, Guid SecurityStamp, string? TotpSecret, bool IsLocked)
    {
        public AdminState State => new(Id, Username, DisplayName, Role, IsDisabled, MustChangePassword, SecurityStamp);
    }
}
