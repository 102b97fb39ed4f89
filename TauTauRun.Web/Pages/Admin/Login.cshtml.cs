using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Authorization;
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
/// Cookie login. Every failure (unknown user, wrong password, locked, disabled) gets the same answer
/// after the same work, a hash verification, so the page tells nobody which usernames exist.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(AdminSetup.LoginRateLimit)]
[RateLimitSubject("login attempts")]
public sealed class LoginModel(NpgsqlDataSource dataSource) : PageModel
{
    public const string Failure = "Wrong username or password. After 5 failed attempts an account is locked for 15 minutes.";
    public const int MaxFailures = 5;
    // Verified for unknown usernames, so that they cost as much time as a wrong password.
    private static readonly string DummyHash = AdminPasswords.Hash(Guid.NewGuid().ToString());

    [BindProperty] public Credentials Form { get; set; } = new();
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? LocalRedirect(Target()) : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
            return Refuse(StatusCodes.Status400BadRequest);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // Locked for the few hundred milliseconds of the check, so concurrent failures all count.
        // A name outside the username rule (a NUL byte, which PostgreSQL refuses in text, among them)
        // cannot be an account: it is not looked up, and is answered like any unknown name.
        var username = AdminAccounts.Username(Form.Username);
        var admin = !AdminAccounts.IsUsername(username) ? null : await connection.QuerySingleOrDefaultAsync<Account>("""
            SELECT id, username, display_name, role, is_disabled, must_change_password, security_stamp,
                   password_hash, coalesce(locked_until > now(), false) AS is_locked
            FROM admins WHERE username = @username
            FOR UPDATE
            """, new { username }, transaction);
        var verified = AdminPasswords.Verify(admin?.PasswordHash ?? DummyHash, Form.Password);
        var ip = HttpContext.Connection.RemoteIpAddress?.ToString();

        if (admin is null)
        {
            // The typed name is not stored: it is often a password typed into the wrong field.
            await AuditLog.WriteAsync(transaction, new AuditActor(null, "(unknown user)", ip), "admin.login_failed", new { reason = "unknown_user" });
            await transaction.CommitAsync();
            return Refuse(StatusCodes.Status401Unauthorized);
        }
        var actor = new AuditActor(admin.Id, admin.Username, ip);
        var passwordOk = verified != PasswordVerificationResult.Failed;
        if (admin.IsLocked || !passwordOk || admin.IsDisabled)
        {
            var reason = admin.IsLocked ? "locked" : !passwordOk ? "wrong_password" : "disabled";
            if (reason == "wrong_password")
                await CountFailureAsync(transaction, actor);
            await AuditLog.WriteAsync(transaction, actor, "admin.login_failed", new { reason });
            await transaction.CommitAsync();
            return Refuse(StatusCodes.Status401Unauthorized);
        }

        var rehashed = verified == PasswordVerificationResult.SuccessRehashNeeded;
        await connection.ExecuteAsync("""
            UPDATE admins
            SET failed_login_count = 0, locked_until = NULL, last_login_at = now(),
                password_hash = coalesce(@newHash, password_hash)
            WHERE id = @Id
            """, new { admin.Id, newHash = rehashed ? AdminPasswords.Hash(Form.Password) : null }, transaction);
        await AuditLog.WriteAsync(transaction, actor, "admin.login", new { rehashed });
        await transaction.CommitAsync();
        await AdminSessions.SignInAsync(HttpContext, admin.State);
        return LocalRedirect(Target());
    }

    private static async Task CountFailureAsync(NpgsqlTransaction transaction, AuditActor actor)
    {
        var lockedUntil = await transaction.Connection!.QuerySingleAsync<DateTime?>("""
            UPDATE admins
            SET failed_login_count = CASE WHEN failed_login_count + 1 >= @MaxFailures THEN 0 ELSE failed_login_count + 1 END,
                locked_until = CASE WHEN failed_login_count + 1 >= @MaxFailures THEN now() + interval '15 minutes' END
            WHERE id = @AdminId
            RETURNING locked_until
            """, new { actor.AdminId, MaxFailures }, transaction);
        if (lockedUntil is not null)
            await AuditLog.WriteAsync(transaction, actor, "admin.locked", new { lockedUntil });
    }

    private PageResult Refuse(int status)
    {
        if (status == StatusCodes.Status401Unauthorized)
            ModelState.AddModelError("", Failure);
        Form = Form with { Password = "" };
        Response.StatusCode = status;
        return Page();
    }

    /// <summary>Only a page of this site's admin area: never an open redirect.</summary>
    private string Target() =>
        ReturnUrl is { } url && Url.IsLocalUrl(url) && url.StartsWith("/admin", StringComparison.OrdinalIgnoreCase)
            ? url
            : "/admin";

    public sealed record Credentials
    {
        [Required(ErrorMessage = "Enter your username.")]
        [StringLength(50)]
        public string Username { get; init; } = "";

        [Required(ErrorMessage = "Enter your password.")]
        [StringLength(AdminPasswords.MaximumLength)]
        [DataType(DataType.Password)]
        public string Password { get; init; } = "";
    }

    private sealed record Account(long Id, string Username, string DisplayName, string Role, bool IsDisabled,
        bool MustChangePassword, Guid SecurityStamp, string PasswordHash, bool IsLocked)
    {
        public AdminState State => new(Id, Username, DisplayName, Role, IsDisabled, MustChangePassword, SecurityStamp);
    }
}
