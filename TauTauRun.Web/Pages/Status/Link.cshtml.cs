using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;
using TauTauRun.Web.Email;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Status;

/// <summary>
/// "Send me my link again": every active registration of the address gets a new link by email (the old
/// ones stop working). The answer is the same whether or not the address is registered.
/// </summary>
[EnableRateLimiting(RunnerRateLimits.Policy)]
[RequestSizeLimit(8 * 1024)]
public sealed class LinkModel(NpgsqlDataSource dataSource, EmailOutbox outbox) : PageModel
{
    [BindProperty]
    [Display(Name = "Email address you registered with")]
    [Required(ErrorMessage = "Please enter your email address.")]
    [StringLength(254, ErrorMessage = "That email address is too long.")]
    public string? Email { get; set; }

    public bool Sent { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var email = RunnerInput.Line(Email);
        if (ModelState.IsValid && !RunnerInput.IsEmail(email))
            ModelState.AddModelError(nameof(Email), "Enter an email address like name@example.org.");
        if (!ModelState.IsValid)
            return Page();

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var registrations = await connection.QueryAsync<long>("""
            SELECT id FROM participants
            WHERE lower(email) = lower(@email) AND payment_status IN ('PENDING', 'PAID', 'WAITLISTED', 'OFFERED')
            FOR UPDATE
            """, new { email }, transaction);
        foreach (var id in registrations)
        {
            var token = StatusTokens.New();
            await connection.ExecuteAsync("UPDATE participants SET access_token_hash = @hash WHERE id = @id",
                new { id, hash = StatusTokens.Hash(token) }, transaction);
            await outbox.QueueAsync(transaction, id, EmailKind.StatusLink, token);
        }
        await transaction.CommitAsync();
        Sent = true;
        return Page();
    }
}
