using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Hosting;

namespace TauTauRun.Web.Admin;

/// <summary>
/// The admin area's plumbing in one place: cookie login, authorization policies, the login rate
/// limit, Data Protection keys in the database and antiforgery cookies.
/// </summary>
public static class AdminSetup
{
    public const string LoginPath = "/admin/login";
    public const string PasswordPath = "/admin/password";
    public const string SecondFactorPath = "/admin/two-factor";
    public const string EnrolmentPath = "/admin/two-factor/setup";
    public const string LoginRateLimit = "admin-login";
    /// <summary>Over HTTPS the cookie is <c>__Host-tautaurun-admin</c> (see <see cref="HostPrefixCookieManager"/>).</summary>
    public const string CookieName = "tautaurun-admin";
    public const int LoginPostsPerMinute = 10;

    public static void AddTauTauRunAdmin(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddMemoryCache();
        services.AddSingleton<AdminSessions>();
        services.AddTauTauRunDataProtection(DataProtectionKeyFile.Load(builder.Configuration, builder.Environment));
        WatchKeyRing(services);
        // Generated links match the documented addresses (/admin/login, not /Admin/Login). Links
        // carrying a case-sensitive secret (the runners' status links) are written out, not generated.
        services.Configure<RouteOptions>(options => options.LowercaseUrls = true);
        services.Configure<RazorPagesOptions>(options => options.Conventions.AuthorizeFolder("/Admin", AdminPolicies.SignedIn));
        services.AddAuthorization(AdminPolicies.Add);
        services.AddSingleton<IAuthorizationHandler, ChangesNeedAdminRoleHandler>();
        services.AddSingleton<IAuthorizationHandler, SessionFitsPageHandler>();
        // Outside Development the cookie is Secure and __Host- even if a request arrives as plain HTTP (a
        // proxy that forgot X-Forwarded-Proto): the browser then never sends it unencrypted.
        var secureOnly = builder.Configuration.GetValue("TauTauRun:Admin:SecureCookieOnly", !builder.Environment.IsDevelopment());
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
        {
            options.LoginPath = LoginPath;
            options.LogoutPath = "/admin/logout";
            options.AccessDeniedPath = "/admin/denied";
            options.Cookie.Name = CookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = secureOnly ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            options.CookieManager = new HostPrefixCookieManager(always: secureOnly);
            // Idle timeout; AdminSessions ends even an active session at the absolute lifetime.
            options.ExpireTimeSpan = AdminSessions.IdleTimeout(builder.Configuration);
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
    }

    /// <summary>
    /// Shared by the service and the <c>rotate-keys</c> command, so both see the same key ring: in the
    /// database, each key encrypted with the certificate of <see cref="DataProtectionKeyFile"/>.
    /// </summary>
    public static IServiceCollection AddTauTauRunDataProtection(this IServiceCollection services, X509Certificate2 keyFile)
    {
        services.AddDataProtection().SetApplicationName("TauTauRun").ProtectKeysWithCertificate(keyFile);
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((options, dataSource) =>
            options.XmlRepository = new DatabaseXmlRepository(dataSource));
        return services;
    }

    /// <summary>Wraps the framework's key manager so that <see cref="KeyRingWatcher"/> can expire its cached ring.</summary>
    private static void WatchKeyRing(IServiceCollection services)
    {
        services.AddSingleton<KeyRingWatcher>();
        // By default a key ring that has expired is still used for a request while a new one loads in
        // the background; a revoked key must stop opening cookies at the next request instead.
        AppContext.SetSwitch("Microsoft.AspNetCore.DataProtection.KeyManagement.DisableAsyncKeyRingUpdate", true);
        var keyManager = services.Last(d => d.ServiceType == typeof(IKeyManager));
        services.Remove(keyManager);
        services.AddSingleton<IKeyManager>(provider => new WatchedKeyManager(
            (IKeyManager)ActivatorUtilities.CreateInstance(provider, keyManager.ImplementationType!),
            provider.GetRequiredService<KeyRingWatcher>()));
    }

    /// <summary>Where a login step continues: only a page of this site's admin area, never an open redirect.</summary>
    public static string AdminTarget(Microsoft.AspNetCore.Mvc.IUrlHelper url, string? returnUrl) =>
        returnUrl is { } target && url.IsLocalUrl(target) && target.StartsWith("/admin", StringComparison.OrdinalIgnoreCase)
            ? target
            : "/admin";

    /// <summary>Call after UseTauTauRunHttp: authorization needs the matched endpoint and the forwarded scheme.</summary>
    public static void UseTauTauRunAdmin(this WebApplication app)
    {
        app.Use(KeyRingWatcher.CheckOnRequestAsync);
        app.UseAuthentication();
        app.Use(RequireSecondFactorAsync);
        app.UseAuthorization();
        app.Use(RequirePasswordChangeAsync);
    }

    /// <summary>
    /// A session between the password and the second factor is sent to the step it lacks; it has no role,
    /// so authorization would refuse it everywhere else anyway.
    /// </summary>
    private static Task RequireSecondFactorAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (AdminSessions.Pending(context.User) is { } pending
            && path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWithSegments(SecondFactorPath, StringComparison.OrdinalIgnoreCase)
            && !path.StartsWithSegments("/admin/logout", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWithSegments(LoginPath, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Redirect(pending == AdminSessions.PendingCode ? SecondFactorPath : EnrolmentPath);
            return Task.CompletedTask;
        }
        return next(context);
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
