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
/// A session ends <see cref="AbsoluteLifetime"/> after the password was typed, however active it is.
/// Between the password and the second factor a session is only pending (<see cref="PendingClaim"/>):
/// it has no role, so no admin page lets it in, and it ends after <see cref="PendingLifetime"/>.
/// </summary>
public sealed class AdminSessions(NpgsqlDataSource dataSource, IMemoryCache cache, IConfiguration configuration, TimeProvider clock)
{
    public const string StampClaim = "tautaurun:stamp";
    /// <summary>When the password was typed (Unix seconds): the start of the absolute lifetime.</summary>
    public const string IssuedClaim = "tautaurun:issued";
    /// <summary>On a session that still needs its second factor: <see cref="PendingCode"/> or <see cref="PendingEnrolment"/>.</summary>
    public const string PendingClaim = "tautaurun:pending";
    public const string PendingCode = "code";
    public const string PendingEnrolment = "enrolment";
    public static readonly TimeSpan PendingLifetime = TimeSpan.FromMinutes(10);
    private static readonly object ItemKey = new();
    private readonly TimeSpan cacheFor = TimeSpan.FromSeconds(
        Math.Clamp(configuration.GetValue("TauTauRun:Admin:SessionCheckSeconds", 30), 0, 30));
    private readonly TimeSpan absoluteLifetime = AbsoluteLifetime(configuration);

    public static TimeSpan AbsoluteLifetime(IConfiguration configuration) =>
        configuration.GetValue("TauTauRun:Admin:AbsoluteSessionLifetime", TimeSpan.FromHours(12));

    public static TimeSpan IdleTimeout(IConfiguration configuration) =>
        configuration.GetValue("TauTauRun:Admin:IdleTimeout", TimeSpan.FromHours(1));

    public static ClaimsPrincipal Principal(AdminState admin, DateTimeOffset issued, string? pending = null) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, admin.Id.ToString()),
        new Claim(ClaimTypes.Name, admin.Username),
        new Claim(ClaimTypes.GivenName, admin.DisplayName),
        .. pending is null ? [new Claim(ClaimTypes.Role, admin.Role)] : new[] { new Claim(PendingClaim, pending) },
        new Claim(StampClaim, admin.SecurityStamp.ToString()),
        new Claim(IssuedClaim, issued.ToUnixTimeSeconds().ToString()),
    ], CookieAuthenticationDefaults.AuthenticationScheme));

    /// <summary>What the signed-in (or pending) session still needs: null, or a <see cref="PendingClaim"/> value.</summary>
    public static string? Pending(ClaimsPrincipal user) => user.FindFirstValue(PendingClaim);

    /// <summary>When this session's password was typed (now for a new login).</summary>
    public static DateTimeOffset Issued(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(IssuedClaim), out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MinValue;

    /// <summary>The signed-in admin's current row, as checked for this request (null when anonymous).</summary>
    public static AdminState? Current(HttpContext context) => context.Items[ItemKey] as AdminState;

    public void Forget(long adminId) => cache.Remove(CacheKey(adminId));

    /// <summary>A full session, or a pending one when <paramref name="pending"/> names the missing step.</summary>
    public static async Task SignInAsync(HttpContext context, AdminState admin, DateTimeOffset issued, string? pending = null)
    {
        if (pending is null)
            context.Items[ItemKey] = admin;
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Principal(admin, issued, pending));
    }

    /// <summary>The cookie handler's OnValidatePrincipal: runs on every request that carries a cookie.</summary>
    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal!;
        var admin = long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? await LoadAsync(id)
            : null;
        var pending = Pending(principal);
        var age = clock.GetUtcNow() - Issued(principal);
        if (admin is null || admin.IsDisabled
            || admin.SecurityStamp.ToString() != principal.FindFirstValue(StampClaim)
            || (pending is null && !principal.IsInRole(admin.Role))
            || age > (pending is null ? absoluteLifetime : PendingLifetime))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        if (pending is null)
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
