namespace TauTauRun.Web.Hosting;

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
