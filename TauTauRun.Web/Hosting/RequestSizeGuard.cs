using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace TauTauRun.Web.Hosting;

/// <summary>
/// Answers 413 for a body declared larger than the endpoint accepts, before anything reads it. Without
/// this the antiforgery check is the first to read the form, and it reports any failure to read as a
/// bad token (400), which tells the sender nothing useful.
/// </summary>
public static class RequestSizeGuard
{
    public static IApplicationBuilder UseRequestSizeGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize
                    ?? context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (context.Request.ContentLength > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("What you sent is too large for this form.");
            return;
        }
        await next(context);
    });
}
