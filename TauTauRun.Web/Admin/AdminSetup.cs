using System.Net;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;
using TauTauRun.Web.Hosting;

namespace TauTauRun.Web.Admin;

/// <summary>
/// The admin area's plumbing in one place: cookie login, authorization policies, the login rate
/// limit, Data Protection keys in the database, antiforgery cookies and the security headers.
/// </summary>
public static class AdminSetup
{
    public const string LoginPath = "/admin/login";
    public const string PasswordPath = "/admin/password";
    public const string LoginRateLimit = "admin-login";
    /// <summary>Over HTTPS the cookie is <c>__Host-tautaurun-admin</c> (see <see cref="HostPrefixCookieManager"/>).</summary>
    public const string CookieName = "tautaurun-admin";
    public const int LoginPostsPerMinute = 10;

    public static void AddTauTauRunAdmin(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddMemoryCache();
        services.AddSingleton<AdminSessions>();
        services.AddTauTauRunDataProtection();
        // Generated links match the documented addresses (/admin/login, not /Admin/Login). Links
        // carrying a case-sensitive secret (the runners' status links) are written out, not generated.
        services.Configure<RouteOptions>(options => options.LowercaseUrls = true);
        services.Configure<RazorPagesOptions>(options => options.Conventions.AuthorizeFolder("/Admin", AdminPolicies.SignedIn));
        services.AddAuthorization(AdminPolicies.Add);
        services.AddSingleton<IAuthorizationHandler, ChangesNeedAdminRoleHandler>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
        {
            options.LoginPath = LoginPath;
            options.LogoutPath = "/admin/logout";
            options.AccessDeniedPath = "/admin/denied";
            options.Cookie.Name = CookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.CookieManager = new HostPrefixCookieManager();
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            options.Events.OnValidatePrincipal = context =>
                context.HttpContext.RequestServices.GetRequiredService<AdminSessions>().ValidateAsync(context);
        });
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "tautaurun-antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddPostLimit(LoginRateLimit, LoginPostsPerMinute);
        services.AddHsts(options =>
        {
            options.MaxAge = TimeSpan.FromDays(365);
            options.ExcludedHosts.Clear(); // HTTPS is what counts, whatever the host is called
        });
        // Behind a reverse proxy on this machine (the only one trusted by default), HTTPS and the
        // client's address come from its X-Forwarded-* headers: they decide the Secure cookie and the audit IP.
        services.Configure<ForwardedHeadersOptions>(options =>
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);
    }

    /// <summary>Shared by the service and the <c>rotate-keys</c> command, so both see the same key ring.</summary>
    public static IServiceCollection AddTauTauRunDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("TauTauRun");
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((options, dataSource) =>
            options.XmlRepository = new DatabaseXmlRepository(dataSource));
        return services;
    }

    /// <summary>Call after UseRouting: the rate limiter and authorization need the matched endpoint.</summary>
    public static void UseTauTauRunAdmin(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use(SecurityHeaders.AddAsync);
        app.UseHsts();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(RequirePasswordChangeAsync);
    }

    /// <summary>An admin who must change their password can reach only that page and logout.</summary>
    private static Task RequirePasswordChangeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (AdminSessions.Current(context) is { MustChangePassword: true }
            && path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWithSegments(PasswordPath, StringComparison.OrdinalIgnoreCase)
            && !path.StartsWithSegments("/admin/logout", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Redirect(PasswordPath);
            return Task.CompletedTask;
        }
        return next(context);
    }
}

/// <summary>
/// Adds the <c>__Host-</c> prefix to cookie names on HTTPS requests: browsers then refuse the cookie
/// unless it is Secure, has Path=/ and no Domain, so no other host or plain-HTTP page can plant or
/// overwrite it. Plain HTTP (local runs, tests) keeps the bare name, which browsers would reject otherwise.
/// </summary>
public sealed class HostPrefixCookieManager : Microsoft.AspNetCore.Authentication.Cookies.ICookieManager
{
    private readonly ChunkingCookieManager inner = new();

    private static string Name(HttpContext context, string key) => context.Request.IsHttps ? "__Host-" + key : key;

    public string? GetRequestCookie(HttpContext context, string key) => inner.GetRequestCookie(context, Name(context, key));

    public void AppendResponseCookie(HttpContext context, string key, string? value, CookieOptions options) =>
        inner.AppendResponseCookie(context, Name(context, key), value, options);

    public void DeleteCookie(HttpContext context, string key, CookieOptions options) =>
        inner.DeleteCookie(context, Name(context, key), options);
}

/// <summary>
/// Headers on every response. The CSP allows scripts, styles and images only from this site and no
/// inline script or style at all, so an injected tag cannot run; frames are refused everywhere.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static Task AddAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            var sandboxed = context.GetEndpoint()?.Metadata.GetMetadata<SandboxedContentAttribute>() is not null;
            headers.ContentSecurityPolicy = sandboxed ? ContentSecurityPolicy + "; sandbox" : ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            headers.XFrameOptions = "DENY";
            // Admin pages hold personal data: no copy in a shared computer's cache.
            if (context.Request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase))
                headers.CacheControl = "no-store";
            return Task.CompletedTask;
        });
        return next(context);
    }
}

/// <summary>
/// On a page model whose response is HTML it did not write itself (an email body): the CSP adds
/// <c>sandbox</c>, so the document gets a unique origin and nothing in it can run, submit or reach cookies.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SandboxedContentAttribute : Attribute;
