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
/// Cookie login, first step. Every failure (unknown user, wrong password, locked, disabled, a first
/// password left unused too long) gets the same answer after the same work, a hash verification, so
/// the page tells nobody which usernames exist. A right password gives only a pending session: the
/// second factor (<see cref="TwoFactorModel"/>), or its enrolment (<see cref="TwoFactorSetupModel"/>)
/// when this admin has none yet and their role needs one, comes next.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(AdminSetup.LoginRateLimit)]
[RateLimitSubject("login attempts")]
public sealed class LoginModel(NpgsqlDataSource dataSource, IConfiguration configuration, TimeProvider clock) : PageModel
{
    public const string Failure = "Wrong username or password. After 5 failed attempts an account is locked for 15 minutes.";
    public const int MaxFailures = LoginLockout.MaxFailures;
    // Verified for unknown usernames, so that they cost as much time as a wrong password.
    private static readonly string DummyHash = AdminPasswords.Hash(Guid.NewGuid().ToString());

    [BindProperty] public Credentials Form { get; set; } = new();
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    /// <summary>A pending session may start again here; a full one goes where it was going.</summary>
    public IActionResult OnGet() =>
        User.Identity?.IsAuthenticated == true && AdminSessions.Pending(User) is null ? LocalRedirect(Target()) : Page();

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
                   password_hash, coalesce(locked_until > now(), false) AS is_locked,
                   coalesce(password_expires_at <= now(), false) AS is_password_expired, totp_secret IS NOT NULL AS has_second_factor
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
        if (admin.IsLocked || !passwordOk || admin.IsDisabled || admin.IsPasswordExpired)
        {
            var reason = admin.IsLocked ? "locked" : !passwordOk ? "wrong_password" : admin.IsDisabled ? "disabled" : "first_password_expired";
            if (reason == "wrong_password")
                await LoginLockout.CountFailureAsync(transaction, actor);
            await AuditLog.WriteAsync(transaction, actor, "admin.login_failed", new { reason });
            await transaction.CommitAsync();
            return Refuse(StatusCodes.Status401Unauthorized);
        }

        var rehashed = verified == PasswordVerificationResult.SuccessRehashNeeded;
        // A used first password no longer expires: its owner has it.
        await connection.ExecuteAsync("""
            UPDATE admins
            SET failed_login_count = 0, locked_until = NULL, last_login_at = now(), password_expires_at = NULL,
                password_hash = coalesce(@newHash, password_hash)
            WHERE id = @Id
            """, new { admin.Id, newHash = rehashed ? AdminPasswords.Hash(Form.Password) : null }, transaction);
        var next = admin.HasSecondFactor ? AdminSessions.PendingCode
            : TwoFactor.RequiredFor(configuration, admin.Role) ? AdminSessions.PendingEnrolment
            : null;
        await AuditLog.WriteAsync(transaction, actor, "admin.login", new { rehashed, secondFactor = next ?? "none" });
        await transaction.CommitAsync();
        await AdminSessions.SignInAsync(HttpContext, admin.State, clock.GetUtcNow(), next);
        return next switch
        {
            null => LocalRedirect(Target()),
            AdminSessions.PendingCode => LocalRedirect(AdminSetup.SecondFactorPath + ReturnQuery()),
            _ => LocalRedirect(AdminSetup.EnrolmentPath + ReturnQuery()),
        };
    }

    private string ReturnQuery() => "?ReturnUrl=" + Uri.EscapeDataString(Target());

    private PageResult Refuse(int status)
    {
        if (status == StatusCodes.Status401Unauthorized)
            ModelState.AddModelError("", Failure);
        Form = Form with { Password = "" };
        Response.StatusCode = status;
        return Page();
    }

    private string Target() => AdminSetup.AdminTarget(Url, ReturnUrl);

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
        bool MustChangePassword, Guid SecurityStamp, string PasswordHash, bool IsLocked, bool IsPasswordExpired, bool HasSecondFactor)
    {
        public AdminState State => new(Id, Username, DisplayName, Role, IsDisabled, MustChangePassword, SecurityStamp);
    }
}
