using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;

namespace TauTauRun.Web.Pages;

/// <summary>
/// The page every unhandled exception ends on: no details (they are in the log). When the database is
/// out of reach the honest answer is 503, so clients and monitors know to try again.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public bool DatabaseUnavailable { get; private set; }

    public void OnGet() => Classify();
    public void OnPost() => Classify();

    private void Classify()
    {
        var error = HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
        // Any client-side NpgsqlException (not a server's PostgresException) means no server could be
        // used, e.g. "No suitable host was found" while a standby is being promoted.
        DatabaseUnavailable = error is NpgsqlException { IsTransient: true } or NpgsqlException and not PostgresException or TimeoutException;
        Response.StatusCode = DatabaseUnavailable
            ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status500InternalServerError;
        if (DatabaseUnavailable)
            Response.Headers.RetryAfter = "30";
    }
}
