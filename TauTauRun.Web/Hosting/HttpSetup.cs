using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;

namespace TauTauRun.Web.Hosting;

/// <summary>
/// What every request goes through, whoever serves it: the proxy's forwarded headers, the security
/// headers, HSTS, the rate limiter and the limits on what a client may send.
/// </summary>
public static class HttpSetup
{
    public static void AddTauTauRunHttp(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddTauTauRunRateLimiting();
        services.AddHsts(options =>
        {
            options.MaxAge = TimeSpan.FromDays(365);
            options.ExcludedHosts.Clear(); // HTTPS is what counts, whatever the host is called
        });
        // Behind a reverse proxy on this machine (the only one trusted by default), HTTPS and the
        // client's address come from its X-Forwarded-* headers: they decide the Secure cookie and the audit IP.
        services.Configure<ForwardedHeadersOptions>(options =>
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);
        AllowPublicHost(builder.Configuration);
        // Forms here are small: anything bigger is refused (413) before it is read.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 256 * 1024);
        services.Configure<FormOptions>(form =>
        {
            form.ValueCountLimit = 200;
            form.MultipartBodyLengthLimit = 256 * 1024;
        });
    }

    /// <summary>
    /// Requests for any other host name are refused (400) by the framework's host filtering: the public
    /// host of <c>TauTauRun:PublicBaseUrl</c>, and this machine's own names for health checks and the
    /// instances' ports. An explicit <c>AllowedHosts</c> other than "*" wins.
    /// </summary>
    private static void AllowPublicHost(ConfigurationManager configuration)
    {
        if (configuration["AllowedHosts"] is not (null or "" or "*")
            || !Uri.TryCreate(configuration["TauTauRun:PublicBaseUrl"], UriKind.Absolute, out var publicBaseUrl))
            return;
        configuration["AllowedHosts"] = $"{publicBaseUrl.IdnHost};localhost;127.0.0.1;[::1]";
    }

    /// <summary>Call after UseRouting: the rate limiter needs the matched endpoint.</summary>
    public static void UseTauTauRunHttp(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use(SecurityHeaders.AddAsync);
        // Not on a developer's machine: HSTS would pin localhost to HTTPS in their browser for a year.
        if (!app.Environment.IsDevelopment())
            app.UseHsts();
        app.UseRateLimiter();
    }
}
