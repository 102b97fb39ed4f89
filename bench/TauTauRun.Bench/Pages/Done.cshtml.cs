using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;

namespace TauTauRun.Bench.Pages;

/// <summary>Baseline (a)'s confirmation page: the registration read back by its id.</summary>
public sealed class DoneModel(NpgsqlDataSource dataSource) : PageModel
{
    public string FullName { get; private set; } = "";
    public string Email { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(long id)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<(string FullName, string Email)?>(
            "SELECT full_name, email FROM bare_participants WHERE id = @id", new { id });
        if (row is not { } found)
            return NotFound();
        (FullName, Email) = found;
        return Page();
    }
}
