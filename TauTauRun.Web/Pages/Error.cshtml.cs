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
        DatabaseUnavailable = error is NpgsqlException { IsTransient: true } or TimeoutException;
        Response.StatusCode = DatabaseUnavailable
            ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status500InternalServerError;
        if (DatabaseUnavailable)
            Response.Headers.RetryAfter = "30";
    }
}
