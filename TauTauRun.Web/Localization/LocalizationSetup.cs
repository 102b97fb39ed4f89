using System.Globalization;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;

namespace TauTauRun.Web.Localization;

/// <summary>
/// Which language a request is served in: the admin area is always English (its forms read and write
/// numbers and dates one way); elsewhere the language chosen with the switch (the framework's culture
/// cookie), else the browser's Accept-Language, else English. A cookie naming no language of ours, or
/// holding garbage, is passed over like a missing one.
/// </summary>
public static class LocalizationSetup
{
    /// <summary>Where the language switch posts.</summary>
    public const string SwitchPath = "/language";

    public static void AddTauTauRunLocalization(this IServiceCollection services)
    {
        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(options =>
        {
            var cultures = Languages.Supported.Select(l => CultureInfo.GetCultureInfo(l.Code)).ToList();
            options.DefaultRequestCulture = new RequestCulture(Languages.Default);
            options.SupportedCultures = cultures;
            options.SupportedUICultures = cultures;
            options.RequestCultureProviders =
            [
                new CustomRequestCultureProvider(context => Task.FromResult(
                    context.Request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase)
                        ? new ProviderCultureResult(Languages.Default) : null)),
                new CookieRequestCultureProvider(),
                new AcceptLanguageHeaderRequestCultureProvider(),
            ];
        });
    }

    public static void UseTauTauRunLocalization(this WebApplication app)
    {
        app.UseRequestLocalization();
        // A form post, not a link: the page to return to may be a status page, whose secret link must not
        // travel in a query string. No antiforgery token: forging it could only change someone's language.
        app.MapPost(SwitchPath, async context =>
        {
            var form = await FormOrNullAsync(context.Request);
            var code = form?["language"].ToString();
            if (form is null || !Languages.IsSupported(code))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("Unknown language.");
                return;
            }
            context.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(code!)), new CookieOptions
                {
                    Expires = DateTimeOffset.UtcNow.AddYears(1), Path = "/", SameSite = SameSiteMode.Lax,
                    HttpOnly = true, Secure = context.Request.IsHttps, IsEssential = true,
                });
            context.Response.Redirect(LocalPath(form["returnUrl"].ToString()));
        }).WithMetadata(new RequestSizeLimitAttribute(4 * 1024));
    }

    private static async Task<IFormCollection?> FormOrNullAsync(HttpRequest request)
    {
        if (!request.HasFormContentType)
            return null;
        try
        {
            return await request.ReadFormAsync();
        }
        catch (InvalidDataException) // a body that is not the form it claims to be
        {
            return null;
        }
    }

    /// <summary>The page to go back to when it is a path of this site; the home page otherwise (no open redirect).</summary>
    public static string LocalPath(string? url) =>
        url is ['/'] or ['/', not ('/' or '\\'), ..] && !url.Any(char.IsControl) ? url : "/";
}
