using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Hosting;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Enrolment of the second factor: a new secret shown as a QR code and as text, stored only once a code
/// made from it proves the app has it; then ten recovery codes, shown this once. Reached after the
/// password by an admin whose role needs a second factor and who has none yet (new admins, or after
/// <c>reset-two-factor</c>), or from the password page by a volunteer who wants one. Until the form is
/// sent, the secret travels in the page encrypted for this admin and for 15 minutes.
/// </summary>
[SecondStep(AlsoSignedIn = true)]
[VolunteersMayPost]
[EnableRateLimiting(AdminSetup.LoginRateLimit)]
[RateLimitSubject("login attempts")]
public sealed class TwoFactorSetupModel(NpgsqlDataSource dataSource, IDataProtectionProvider protection, TimeProvider clock) : PageModel
{
    [BindProperty] public SetupForm Form { get; set; } = new();
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public string Secret { get; private set; } = "";
    public string QrSvg { get; private set; } = "";
    public IReadOnlyList<string> RecoveryCodes { get; private set; } = [];
    public bool AlreadySetUp { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await AccountAsync() is not { } admin)
            return Redirect(AdminSetup.LoginPath);
        AlreadySetUp = admin.HasSecondFactor;
        if (!AlreadySetUp)
            Show(admin, TwoFactor.NewSecret());
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await AccountAsync() is not { } admin)
            return Redirect(AdminSetup.LoginPath);
        string secret;
        try
        {
            secret = Protector(admin.Id).Unprotect(Form.ProtectedSecret);
        }
        catch (CryptographicException)
        {
            // Older than 15 minutes, another admin's, or altered: start with a fresh secret.
            ModelState.AddModelError("", "This setup page has expired. Scan the new QR code below.");
            Show(admin, TwoFactor.NewSecret());
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        if (!ModelState.IsValid)
            return Refuse(admin, secret, StatusCodes.Status400BadRequest);

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var locked = await connection.QuerySingleAsync<bool>(
            "SELECT coalesce(locked_until > now(), false) FROM admins WHERE id = @Id FOR UPDATE", new { admin.Id }, transaction);
        var actor = new AuditActor(admin.Id, admin.Username, HttpContext.Connection.RemoteIpAddress?.ToString());
        var step = locked ? null : TwoFactor.MatchingStep(secret, Form.Code.Trim(), clock.GetUtcNow().UtcDateTime);
        if (step is null)
        {
            if (!locked)
                await LoginLockout.CountFailureAsync(transaction, actor);
            await AuditLog.WriteAsync(transaction, actor, "admin.two_factor_enrolment_failed", new { reason = locked ? "locked" : "wrong_code" });
            await transaction.CommitAsync();
            ModelState.AddModelError("", "That code is not right. Check the time on your phone and type the code shown now.");
            return Refuse(admin, secret, StatusCodes.Status401Unauthorized);
        }
        var stored = await connection.ExecuteAsync("""
            UPDATE admins SET totp_secret = @secret, totp_last_step = @step, failed_login_count = 0, updated_at = now()
            WHERE id = @Id AND totp_secret IS NULL
            """, new { admin.Id, secret, step }, transaction);
        if (stored == 0)
            return Redirect(AdminSetup.EnrolmentPath);
        RecoveryCodes = await TwoFactor.NewRecoveryCodesAsync(transaction, admin.Id);
        await AuditLog.WriteAsync(transaction, actor, "admin.two_factor_enrolled", new { recoveryCodes = RecoveryCodes.Count });
        await transaction.CommitAsync();
        await AdminSessions.SignInAsync(HttpContext, admin.State, AdminSessions.Issued(User));
        ReturnUrl = AdminSetup.AdminTarget(Url, ReturnUrl);
        return Page();
    }

    /// <summary>The admin of a session pending enrolment, or of a full session; null for anyone else.</summary>
    private async Task<Account?> AccountAsync()
    {
        var pending = AdminSessions.Pending(User);
        if (User.Identity?.IsAuthenticated != true || pending == AdminSessions.PendingCode
            || !long.TryParse(User.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
            return null;
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<Account>("""
            SELECT id, username, display_name, role, is_disabled, must_change_password, security_stamp,
                   totp_secret IS NOT NULL AS has_second_factor
            FROM admins WHERE id = @id
            """, new { id });
    }

    private void Show(Account admin, string secret)
    {
        Secret = secret;
        QrSvg = TwoFactor.QrSvg(TwoFactor.EnrolmentUri(secret, admin.Username));
        Form = new SetupForm { ProtectedSecret = Protector(admin.Id).Protect(secret, TimeSpan.FromMinutes(15)) };
    }

    private PageResult Refuse(Account admin, string secret, int status)
    {
        Show(admin, secret);
        Response.StatusCode = status;
        return Page();
    }

    private ITimeLimitedDataProtector Protector(long adminId) =>
        protection.CreateProtector("TauTauRun.TwoFactorEnrolment", adminId.ToString()).ToTimeLimitedDataProtector();

    public sealed record SetupForm
    {
        [Required(ErrorMessage = "Enter the 6-digit code your app shows.")]
        [StringLength(6, MinimumLength = 6, ErrorMessage = "The code has 6 digits.")]
        [Display(Name = "Code from the app")]
        public string Code { get; init; } = "";

        [Required]
        public string ProtectedSecret { get; init; } = "";
    }

    private sealed record Account(long Id, string Username, string DisplayName, string Role, bool IsDisabled,
        bool MustChangePassword, Guid SecurityStamp, bool HasSecondFactor)
    {
        public AdminState State => new(Id, Username, DisplayName, Role, IsDisabled, MustChangePassword, SecurityStamp);
    }
}
