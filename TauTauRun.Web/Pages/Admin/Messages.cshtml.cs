using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;
using TauTauRun.Web.Localization;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// One message to a chosen group of runners: the count and a preview first, then every copy queued in
/// one transaction with its audit row, paced by the outbox (<see cref="EmailOutbox.QueueGroupAsync"/>).
/// The form carries an idempotency key made when it was opened, so a second click or a resent form
/// finds the run it made rather than sending again. The runs below show their progress.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class MessagesModel(NpgsqlDataSource dataSource, EmailOutbox outbox, EventSettingsStore settingsStore) : PageModel
{
    [BindProperty] public MessageForm Form { get; set; } = new();
    public IReadOnlyList<(long Id, string Name)> Races { get; private set; } = [];
    public IReadOnlyList<Run> Runs { get; private set; } = [];
    public int? Recipients { get; private set; }
    public RenderedEmail? Preview { get; private set; }

    public async Task OnGetAsync()
    {
        Form = new MessageForm { IdempotencyKey = Guid.NewGuid() };
        await LoadAsync();
    }

    public async Task<IActionResult> OnPostPreviewAsync()
    {
        if (!Checked(out var wording))
            return await RefusedAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        Recipients = (await RecipientsAsync(connection, null)).Count;
        if (Recipients == 0)
            return await RefusedAsync(NoRecipients);
        Preview = outbox.Sample(EmailKind.GroupMessage, Form.Language ?? Languages.Default, await settingsStore.LoadAsync(), wording);
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostSendAsync()
    {
        if (!Checked(out var wording))
            return await RefusedAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // One send at a time: a repeated key sees the run committed before it, and each run's copies are
        // paced after the previous run's.
        await connection.ExecuteAsync("LOCK TABLE group_messages IN SHARE ROW EXCLUSIVE MODE", transaction: transaction);
        var earlier = await connection.QuerySingleOrDefaultAsync<EarlierRun>(
            "SELECT id, recipients FROM group_messages WHERE idempotency_key = @IdempotencyKey", new { Form.IdempotencyKey }, transaction);
        if (earlier is not null)
        {
            TempData["Message"] = $"This message was already sent (run {earlier.Id}, {earlier.Recipients} runner(s)): nothing was queued again.";
            return RedirectToPage();
        }
        var ids = await RecipientsAsync(connection, transaction);
        if (ids.Count == 0)
            return await RefusedAsync(NoRecipients);
        var actor = AuditActor.Of(HttpContext);
        var filter = new { race = Form.CategoryId, status = Form.Status, size = Form.Size, language = Form.Language, not_collected = Form.NotCollected, unconfirmed = Form.Unconfirmed };
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO group_messages (idempotency_key, subject, body, statuses, filter, recipients, sent_by)
            VALUES (@IdempotencyKey, @Subject, @Body, @statuses, @filter::jsonb, @recipients, @by)
            RETURNING id
            """, new
        {
            Form.IdempotencyKey, wording.Subject, wording.Body, statuses = Statuses.ToArray(),
            filter = System.Text.Json.JsonSerializer.Serialize(filter), recipients = ids.Count, by = actor.Name,
        }, transaction);
        await outbox.QueueGroupAsync(transaction, id, wording, ids);
        await AuditLog.WriteAsync(transaction, actor, "group_message.sent", new { id, recipients = ids.Count, wording.Subject, filter });
        await transaction.CommitAsync();
        TempData["Message"] = $"Queued for {ids.Count} runner(s) as run {id}; the progress is below.";
        return RedirectToPage();
    }

    /// <summary>Without a status chosen, everyone still in the race (not those who gave their place back).</summary>
    private IReadOnlyList<string> Statuses => Form.Status is { } status ? [status] : ParticipantStatus.Active;

    private async Task<IReadOnlyList<long>> RecipientsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction) =>
        (await connection.QueryAsync<long>("""
            SELECT p.id FROM participants p
            WHERE p.payment_status = ANY(@statuses)
              AND (@CategoryId::bigint IS NULL OR p.category_id = @CategoryId)
              AND (@Size::text IS NULL OR p.tshirt_size = @Size)
              AND (@Language::text IS NULL OR p.language = @Language)
              AND (NOT @NotCollected OR p.bib_collected_at IS NULL)
              AND (NOT @Unconfirmed OR p.email_confirmed_at IS NULL)
            ORDER BY p.id
            """, new { statuses = Statuses.ToArray(), Form.CategoryId, Form.Size, Form.Language, Form.NotCollected, Form.Unconfirmed }, transaction)).AsList();

    /// <summary>The form's own rules, then the organiser's placeholders (the checks of the email templates).</summary>
    private bool Checked(out OrganiserTemplate wording)
    {
        wording = new OrganiserTemplate(Form.Subject?.Trim() ?? "", Form.Body?.Trim() ?? "");
        if (Form.Status is not null && !ParticipantStatus.All.Contains(Form.Status))
            ModelState.AddModelError("Form.Status", "Choose one of the statuses listed.");
        if (Form.Size is not null && !RunnerInput.TshirtSizes.Contains(Form.Size))
            ModelState.AddModelError("Form.Size", "Choose one of the sizes listed.");
        if (Form.Language is not null && !Languages.IsSupported(Form.Language))
            ModelState.AddModelError("Form.Language", "Choose one of the languages listed.");
        if (ModelState.IsValid)
            foreach (var problem in wording.Problems(EmailKind.GroupMessage))
                ModelState.AddModelError("", problem);
        return ModelState.IsValid;
    }

    private const string NoRecipients = "No runner matches these filters: nothing was sent. Widen the filters and preview again.";

    private async Task<IActionResult> RefusedAsync(string? problem = null)
    {
        if (problem is not null)
            ModelState.AddModelError("", problem);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        Races = await Registration.Races.ListAsync<(long, string)>(connection, Registration.Races.Names);
        Runs = (await connection.QueryAsync<Run>("""
            SELECT g.id, g.subject, g.created_at, g.sent_by, g.recipients,
                   count(*) FILTER (WHERE e.status = 'SENT') AS sent,
                   count(*) FILTER (WHERE e.status = 'SKIPPED') AS skipped,
                   count(*) FILTER (WHERE e.status = 'FAILED' AND e.next_attempt_at IS NULL) AS given_up,
                   count(*) FILTER (WHERE e.status IN ('QUEUED', 'FAILED') AND e.next_attempt_at IS NOT NULL) AS waiting,
                   max(e.next_attempt_at) AS last_due
            FROM group_messages g JOIN email_logs e ON e.group_message_id = g.id
            GROUP BY g.id
            ORDER BY g.id DESC
            LIMIT 20
            """)).AsList();
    }

    private sealed record EarlierRun(long Id, int Recipients);

    public sealed record Run(long Id, string Subject, DateTime CreatedAt, string SentBy, int Recipients,
        long Sent, long Skipped, long GivenUp, long Waiting, DateTime? LastDue);

    public sealed record MessageForm
    {
        [Required(ErrorMessage = "Open the form again: it has lost its key.")]
        public Guid? IdempotencyKey { get; init; }

        [Display(Name = "Race")] public long? CategoryId { get; init; }
        public string? Status { get; init; }
        [Display(Name = "T-shirt size")] public string? Size { get; init; }
        /// <summary>Only runners who registered in this language (a message is sent as typed, not translated).</summary>
        public string? Language { get; init; }
        [Display(Name = "Bib not collected yet")] public bool NotCollected { get; init; }
        [Display(Name = "Email address not confirmed")] public bool Unconfirmed { get; init; }

        [Required(ErrorMessage = "Enter the subject.")]
        [StringLength(200, ErrorMessage = "Keep the subject to 200 characters.")]
        public string? Subject { get; init; }

        [Required(ErrorMessage = "Enter the text of the message.")]
        [StringLength(10000, ErrorMessage = "Keep the text to 10000 characters.")]
        public string? Body { get; init; }
    }
}
