using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace TauTauRun.Web.Admin;

/// <summary>An admin's row as far as their sessions care.</summary>
public sealed record AdminState(long Id, string Username, string DisplayName, string Role, bool IsDisabled,
    bool MustChangePassword, Guid SecurityStamp);

/// <summary>
/// Checks every admin cookie against the admins row: a disabled admin, a changed security stamp or a
/// changed role ends the session. The row is cached for at most
/// <c>TauTauRun:Admin:SessionCheckSeconds</c> (30 by default and at most), so a revocation done by
/// another process (the command line, a second instance) takes effect within that time everywhere,
/// and at once in the instance that made it (it calls <see cref="Forget"/>).
/// </summary>
public sealed class AdminSessions(NpgsqlDataSource dataSource, IMemoryCache cache, IConfiguration configuration)
{
    public const string StampClaim = "tautaurun:stamp";
    private static readonly object ItemKey = new();
    private readonly TimeSpan cacheFor = TimeSpan.FromSeconds(
        Math.Clamp(configuration.GetValue("TauTauRun:Admin:SessionCheckSeconds", 30), 0, 30));

    public static ClaimsPrincipal Principal(AdminState admin) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, admin.Id.ToString()),
        new Claim(ClaimTypes.Name, admin.Username),
        new Claim(ClaimTypes.GivenName, admin.DisplayName),
        new Claim(ClaimTypes.Role, admin.Role),
        new Claim(StampClaim, admin.SecurityStamp.ToString()),
    ], CookieAuthenticationDefaults.AuthenticationScheme));

    /// <summary>The signed-in admin's current row, as checked for this request (null when anonymous).</summary>
    public static AdminState? Current(HttpContext context) => context.Items[ItemKey] as AdminState;

    public void Forget(long adminId) => cache.Remove(CacheKey(adminId));

    public static async Task SignInAsync(HttpContext context, AdminState admin)
    {
        context.Items[ItemKey] = admin;
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Principal(admin));
    }

    /// <summary>The cookie handler's OnValidatePrincipal: runs on every request that carries a cookie.</summary>
    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal!;
        var admin = long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? await LoadAsync(id)
            : null;
        if (admin is null || admin.IsDisabled
            || admin.SecurityStamp.ToString() != principal.FindFirstValue(StampClaim)
            || !principal.IsInRole(admin.Role))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        context.HttpContext.Items[ItemKey] = admin;
    }

    public async Task<AdminState?> LoadAsync(long id)
    {
        if (cacheFor > TimeSpan.Zero && cache.TryGetValue(CacheKey(id), out AdminState? cached))
            return cached;
        await using var connection = await dataSource.OpenConnectionAsync();
        var admin = await connection.QuerySingleOrDefaultAsync<AdminState>("""
            SELECT id, username, display_name, role, is_disabled, must_change_password, security_stamp
            FROM admins WHERE id = @id
            """, new { id });
        if (admin is not null && cacheFor > TimeSpan.Zero)
            cache.Set(CacheKey(id), admin, cacheFor);
        return admin;
    }

    private static string CacheKey(long id) => $"admin-session:{id}";
}
