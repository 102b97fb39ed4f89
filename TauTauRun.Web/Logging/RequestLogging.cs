using Microsoft.AspNetCore.Diagnostics;
using Serilog;
using Serilog.Events;

namespace TauTauRun.Web.Logging;

/// <summary>
/// One line per request: method, path, status, elapsed. The path is the matched route's pattern
/// (<c>/status/{token}</c>), never the raw path, so secret links, ids typed into URLs and query
/// strings never reach a log.
/// </summary>
public static class RequestLogging
{
    public static IApplicationBuilder UseTauTauRunRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            options.GetMessageTemplateProperties = (context, _, elapsed, status) =>
            [
                new LogEventProperty("RequestMethod", new ScalarValue(context.Request.Method)),
                new LogEventProperty("RequestPath", new ScalarValue(RoutePattern(context))),
                new LogEventProperty("StatusCode", new ScalarValue(status)),
                new LogEventProperty("Elapsed", new ScalarValue(elapsed)),
            ];
        });

    /// <summary>The route that was asked for, not the error page a failure was re-run on.</summary>
    private static string RoutePattern(HttpContext context) =>
        (context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint()) is RouteEndpoint endpoint
            ? "/" + endpoint.RoutePattern.RawText?.TrimStart('/')
            : "(no route)";
}
