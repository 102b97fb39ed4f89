using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Email;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// The email outbox, newest first, filtered by status and kind, with each message's last error. One
/// message can be sent again (due now, same Message-ID, to the runner's current address), and all failed
/// ones with the same operation as <c>resend-failed-emails</c>. Paging is by id (keyset) in the primary
/// key's order; the rare statuses have partial indexes already (FAILED, and not SENT), so no filter scans far.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class EmailsModel(NpgsqlDataSource dataSource, FailedEmailResender resender) : PageModel
{
    public const int PageSize = 50;
    public static readonly IReadOnlyList<string> Statuses = ["QUEUED", "SENT", "FAILED", "SKIPPED"];

    [BindProperty(SupportsGet = true)] public Filters Filter { get; set; } = new();
    public IReadOnlyList<Message> Messages { get; private set; } = [];
    public long FailedCount { get; private set; }
    public long? OlderThan { get; private set; }

    public async Task OnGetAsync()
    {
        if (Filter.Kind is not null && !EmailKind.All.Contains(Filter.Kind))
            ModelState.AddModelError("Filter.Kind", "Choose one of the kinds listed.");
        await using var connection = await dataSource.OpenConnectionAsync();
        FailedCount = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs WHERE status = 'FAILED'");
        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        var rows = (await connection.QueryAsync<Message>("""
            SELECT e.id, e.created_at, e.kind, e.recipient, e.subject, e.status, e.attempts, e.last_error,
                   e.last_attempt_at, e.next_attempt_at, e.sent_at, p.reference,
                   coalesce(e.claimed_until > now(), false) AS is_sending
            FROM email_logs e LEFT JOIN participants p ON p.id = e.participant_id
            WHERE (@Status::text IS NULL OR e.status = @Status)
              AND (@Kind::text IS NULL OR e.kind = @Kind)
              AND (@Before::bigint IS NULL OR e.id < @Before)
            ORDER BY e.id DESC
            LIMIT @Limit
            """, new { Filter.Status, Filter.Kind, Filter.Before, Limit = PageSize + 1 })).AsList();
        OlderThan = rows.Count > PageSize ? rows[PageSize - 1].Id : null;
        Messages = rows.Take(PageSize).ToList();
    }

    /// <summary>One message again: due now, attempts from zero, to the runner's address as it is now.</summary>
    public async Task<IActionResult> OnPostResendAsync(long id)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var resent = await connection.QuerySingleOrDefaultAsync<(long? ParticipantId, string Kind, string Before, bool AddressChanged)>("""
            UPDATE email_logs e
            SET status = 'QUEUED', attempts = 0, next_attempt_at = now(), claimed_until = NULL,
                recipient = coalesce(old.current_address, e.recipient)
            FROM (SELECT m.id, m.status, m.recipient, p.email AS current_address
                  FROM email_logs m LEFT JOIN participants p ON p.id = m.participant_id
                  WHERE m.id = @id AND (m.claimed_until IS NULL OR m.claimed_until < now())
                  FOR UPDATE OF m) AS old
            WHERE e.id = old.id
            RETURNING e.participant_id, e.kind, old.status, old.recipient <> e.recipient
            """, new { id }, transaction);
        if (resent.Kind is null)
        {
            var exists = await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM email_logs WHERE id = @id)", new { id }, transaction);
            if (!exists)
                return NotFound();
            TempData["Message"] = $"Message {id} is being sent right now; look again in a minute.";
            return RedirectToPage(Filter.RouteValues(Filter.Before));
        }
        await AuditLog.WriteAsync(transaction, AuditActor.Of(HttpContext), "email.resent",
            new { id, resent.Kind, statusBefore = resent.Before, addressChanged = resent.AddressChanged }, resent.ParticipantId);
        await transaction.CommitAsync();
        TempData["Message"] = $"Message {id} is queued again" + (resent.AddressChanged ? ", to the runner's new address." : ".");
        return RedirectToPage(Filter.RouteValues(Filter.Before));
    }

    /// <summary>The plan's Scenario 5 from the browser: exactly what <c>resend-failed-emails</c> does.</summary>
    public async Task<IActionResult> OnPostResendFailedAsync()
    {
        var actor = AuditActor.Of(HttpContext);
        var result = await resender.ResendAsync(dryRun: false, HttpContext.RequestAborted, (transaction, result) =>
            AuditLog.WriteAsync(transaction, actor, "email.resent_failed",
                new { result.Requeued, result.NewConfirmations, result.References }));
        TempData["Message"] = $"Queued {result.Requeued} failed message(s) again and {result.NewConfirmations} new payment confirmation(s) for {result.References.Count} participant(s).";
        return RedirectToPage(Filter.RouteValues(null));
    }

    public sealed record Message(long Id, DateTime CreatedAt, string Kind, string Recipient, string Subject, string Status,
        int Attempts, string? LastError, DateTime? LastAttemptAt, DateTime? NextAttemptAt, DateTime? SentAt, string? Reference, bool IsSending);

    public sealed record Filters
    {
        [RegularExpression("^(QUEUED|SENT|FAILED|SKIPPED)$", ErrorMessage = "Choose one of the statuses listed.")]
        public string? Status { get; init; }
        public string? Kind { get; init; }
        [Range(1, long.MaxValue)] public long? Before { get; init; }

        public Dictionary<string, string> RouteValues(long? before) => new Dictionary<string, string?>
        {
            ["Filter.Status"] = Status, ["Filter.Kind"] = Kind, ["Filter.Before"] = before?.ToString(),
        }.Where(pair => !string.IsNullOrEmpty(pair.Value)).ToDictionary(pair => pair.Key, pair => pair.Value!);
    }
}
