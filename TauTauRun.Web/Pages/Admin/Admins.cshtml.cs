using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Adds admins and volunteers, disables and re-enables them, and requires a new password. Disabling
/// gives a new security stamp, which ends that admin's sessions at once.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class AdminsModel(NpgsqlDataSource dataSource, AdminSessions sessions, EventSettingsStore events, IConfiguration configuration) : PageModel
{
    public IReadOnlyList<Row> Admins { get; private set; } = [];
    [BindProperty] public NewAdmin Form { get; set; } = new();

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostAddAsync()
    {
        var username = AdminAccounts.Username(Form.Username);
        if (ModelState.IsValid && !AdminAccounts.IsUsername(username))
            ModelState.AddModelError("Form.Username", $"A username is {AdminAccounts.UsernameRule}.");
        if (ModelState.IsValid && AdminPasswords.Problem(Form.Password, username, (await events.LoadAsync()).Name) is { } problem)
            ModelState.AddModelError("Form.Password", problem);
        if (!ModelState.IsValid)
            return await RefuseAsync(StatusCodes.Status400BadRequest);

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // A first password chosen by someone else: changed at first use, useless if never used.
        var id = await AdminAccounts.CreateAsync(transaction, username, Form.DisplayName, Form.Password, Form.Role,
            mustChangePassword: true, AuditActor.Of(HttpContext), passwordExpiresIn: AdminAccounts.FirstPasswordLifetime(configuration));
        if (id is null)
        {
            ModelState.AddModelError("Form.Username", $"There is already an admin called '{username}'.");
            return await RefuseAsync(StatusCodes.Status409Conflict);
        }
        await transaction.CommitAsync();
        TempData["Message"] = $"Added {username} ({Form.Role}). Their first password works once within {AdminAccounts.FirstPasswordLifetime(configuration).TotalHours:0} hours; then they choose their own"
            + (TwoFactor.RequiredFor(configuration, Form.Role) ? " and set up their authenticator app." : ".");
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDisableAsync(long id)
    {
        if (id == AdminSessions.Current(HttpContext)!.Id)
        {
            ModelState.Clear(); // the add form is bound on every post, but was not sent here
            ModelState.AddModelError("", "You cannot disable yourself: ask another admin.");
            return await RefuseAsync(StatusCodes.Status400BadRequest);
        }
        return await ChangeAsync(id, "admin.disabled", "is_disabled = true, security_stamp = gen_random_uuid()",
            "is_disabled", "Disabled {0}; their sessions have ended.");
    }

    public Task<IActionResult> OnPostEnableAsync(long id) =>
        ChangeAsync(id, "admin.enabled", "is_disabled = false, failed_login_count = 0, locked_until = NULL",
            "is_disabled", "Re-enabled {0}.");

    public Task<IActionResult> OnPostUnlockAsync(long id) =>
        ChangeAsync(id, "admin.unlocked", "failed_login_count = 0, locked_until = NULL",
            "is_locked", "Unlocked {0}.", "coalesce(locked_until > now(), false)");

    public Task<IActionResult> OnPostRequirePasswordChangeAsync(long id) =>
        ChangeAsync(id, "admin.password_change_required", "must_change_password = true",
            "must_change_password", "{0} must choose a new password at their next request.");

    /// <summary>One flag of one admin (a column, or an expression over the row), with its before and after values in the audit row.</summary>
    private async Task<IActionResult> ChangeAsync(long id, string action, string set, string flag, string message, string? expression = null)
    {
        expression ??= flag;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // set and expression are this class's own constants, never user input.
        var change = await connection.QuerySingleOrDefaultAsync<(string Username, bool Before, bool After)>($"""
            UPDATE admins AS a SET {set}, updated_at = now()
            FROM (SELECT id, {expression} AS before FROM admins WHERE id = @id FOR UPDATE) AS old
            WHERE a.id = old.id
            RETURNING a.username, old.before, {expression}
            """, new { id }, transaction);
        if (change.Username is null)
            return NotFound();
        await AuditLog.WriteAsync(transaction, AuditActor.Of(HttpContext), action,
            new { id, username = change.Username, before = new Dictionary<string, bool> { [flag] = change.Before }, after = new Dictionary<string, bool> { [flag] = change.After } });
        await transaction.CommitAsync();
        sessions.Forget(id);
        TempData["Message"] = string.Format(message, change.Username);
        return RedirectToPage();
    }

    private async Task<PageResult> RefuseAsync(int status)
    {
        Form = Form with { Password = "" };
        Response.StatusCode = status;
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        Admins = (await connection.QueryAsync<Row>("""
            SELECT id, username, display_name, role, is_disabled, must_change_password,
                   coalesce(locked_until > now(), false) AS is_locked, last_login_at
            FROM admins ORDER BY username
            """)).AsList();
    }

    public sealed record Row(long Id, string Username, string DisplayName, string Role, bool IsDisabled,
        bool MustChangePassword, bool IsLocked, DateTime? LastLoginAt)
    {
        public string Status => string.Join(", ", new[]
        {
            IsDisabled ? "disabled" : "active",
            IsLocked ? "locked" : null,
            MustChangePassword ? "must change password" : null,
        }.OfType<string>());
    }

    public sealed record NewAdmin
    {
        [Required(ErrorMessage = "Enter a username.")]
        public string Username { get; init; } = "";

        [Required(ErrorMessage = "Enter the name to show.")]
        [StringLength(100)]
        [Display(Name = "Display name")]
        public string DisplayName { get; init; } = "";

        [Required]
        [RegularExpression("^(admin|volunteer)$", ErrorMessage = "The role is admin or volunteer.")]
        public string Role { get; init; } = AdminPolicies.Volunteer;

        [Required(ErrorMessage = "Enter a first password.")]
        [DataType(DataType.Password)]
        [Display(Name = "First password")]
        public string Password { get; init; } = "";
    }
}
