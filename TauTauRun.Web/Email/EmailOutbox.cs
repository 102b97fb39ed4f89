using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Email;

/// <summary>
/// Puts a runner's message into <c>email_logs</c> inside the caller's transaction: it is sent only if
/// the change that caused it commits, and it cannot be lost once it has. The Message-ID is fixed here,
/// so every retry of the message carries the same one. A status link is stored as a placeholder with the
/// token beside it until the message is sent (see <see cref="OutboxMessage"/>). Every message is written
/// in the runner's language (<c>participants.language</c>), whoever or whatever sends it.
/// </summary>
public sealed class EmailOutbox(EventSettingsStore settingsStore, EmailSettings emailSettings, IOptions<EmailDeliveryOptions> options)
{
    private const string RunnerColumns = """
        p.email AS Email, p.full_name AS FullName, p.reference AS Reference, c.name AS CategoryName,
        p.amount_due_minor AS AmountDueMinor, p.currency AS Currency, p.bib AS Bib,
        p.status_changed_at AS PendingSince, p.offer_expires_at AS OfferExpiresAt,
        p.email_confirmed_at IS NOT NULL AS EmailConfirmed, p.amount_paid_minor AS AmountPaidMinor, p.language AS Language
        """;

    /// <param name="statusToken">The runner's current secret token, for kinds whose message links to the status page.</param>
    /// <param name="recipient">Another address than the runner's current one (the old one, when it was changed).</param>
    public async Task<long> QueueAsync(NpgsqlTransaction transaction, long participantId, string kind, string? statusToken = null, string? recipient = null)
    {
        var connection = transaction.Connection!;
        // The runner and the organiser's wording in their language, in one round trip: this is on the registration's path.
        RunnerDetails runner;
        OrganiserTemplate? wording;
        await using (var read = await connection.QueryMultipleAsync($"""
            SELECT {RunnerColumns}
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            WHERE p.id = @participantId;
            {EmailTemplateStore.Current("(SELECT language FROM participants WHERE id = @participantId)")}
            """, new { participantId, kind }, transaction))
        {
            runner = await read.ReadSingleAsync<RunnerDetails>();
            wording = await read.ReadSingleOrDefaultAsync<OrganiserTemplate?>();
        }
        var settings = await settingsStore.LoadAsync(transaction);
        var email = Render(kind, wording, settings, runner, statusToken is null ? null : StatusUrl(OutboxMessage.StatusTokenPlaceholder));

        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO email_logs (participant_id, kind, recipient, subject, html_body, text_body, message_id, status_token)
            VALUES (@participantId, @kind, @recipient, @Subject, @Html, @Text, @messageId, @statusToken)
            RETURNING id
            """, new { participantId, kind, recipient = recipient ?? runner.Email, email.Subject, email.Html, email.Text, messageId = NewMessageId(), statusToken },
            transaction);
    }

    /// <summary>
    /// A group message (<c>group_messages</c> row <paramref name="groupMessageId"/>) in the organiser's
    /// <paramref name="wording"/>, rendered for each runner, one outbox row each. The copies are due one
    /// after another, <see cref="EmailDeliveryOptions.GroupMessagesPerMinute"/> a minute, starting after
    /// the last copy of any earlier group message still waiting: every worker of every instance claims
    /// by due time, so the pace holds for them all, and a runner's own mail (due at once) goes first.
    /// The caller holds the lock that orders group messages (see the admin page).
    /// </summary>
    public async Task<int> QueueGroupAsync(NpgsqlTransaction transaction, long groupMessageId, OrganiserTemplate wording, IReadOnlyList<long> participantIds)
    {
        var connection = transaction.Connection!;
        var settings = await settingsStore.LoadAsync(transaction);
        var runners = (await connection.QueryAsync<long, RunnerDetails, (long Id, RunnerDetails Runner)>($"""
            SELECT p.id, {RunnerColumns}
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            WHERE p.id = ANY(@participantIds)
            ORDER BY p.id
            """, (id, runner) => (id, runner), new { participantIds = participantIds.ToArray() }, transaction, splitOn: "Email")).AsList();
        var emails = runners.Select(r => Render(EmailKind.GroupMessage, wording, settings, r.Runner, statusUrl: null)).ToList();
        return await connection.ExecuteAsync("""
            WITH start AS (
                SELECT greatest(now(), max(next_attempt_at) + @spacing) AS at
                FROM email_logs WHERE group_message_id IS NOT NULL AND status <> 'SENT')
            INSERT INTO email_logs (participant_id, group_message_id, recipient, subject, html_body, text_body, message_id, next_attempt_at)
            SELECT r.participant_id, @groupMessageId, r.recipient, r.subject, r.html, r.text, r.message_id,
                   start.at + (r.n - 1) * @spacing
            FROM unnest(@ids, @recipients, @subjects, @htmls, @texts, @messageIds)
                     WITH ORDINALITY AS r(participant_id, recipient, subject, html, text, message_id, n),
                 start
            """, new
        {
            groupMessageId,
            spacing = TimeSpan.FromMinutes(1) / options.Value.GroupMessagesPerMinute,
            ids = runners.Select(r => r.Id).ToArray(),
            recipients = runners.Select(r => r.Runner.Email).ToArray(),
            subjects = emails.Select(e => e.Subject).ToArray(),
            htmls = emails.Select(e => e.Html).ToArray(),
            texts = emails.Select(e => e.Text).ToArray(),
            messageIds = emails.Select(_ => NewMessageId()).ToArray(),
        }, transaction);
    }

    /// <summary>
    /// A message of the kind for a made-up runner who reads <paramref name="language"/> (the admins' preview),
    /// in the organiser's <paramref name="wording"/> or the built-in one; its status link has the real shape but opens nothing.
    /// </summary>
    public RenderedEmail Sample(string kind, string language, EventSettings settings, OrganiserTemplate? wording)
    {
        var now = DateTime.UtcNow;
        var runner = new RunnerDetails("maria.tangdilintin@example.org", "Maria Tangdilintin", "TTR-7K3M9Q", "10K", 25_000_000, "IDR",
            Bib: 1042, PendingSince: now, OfferExpiresAt: now.AddHours(settings.WaitlistOfferHours), EmailConfirmed: false, Language: language);
        return Render(kind, wording, settings, runner, EmailTemplates.LinksToStatusPage(kind) ? StatusUrl("sample-link-for-the-preview") : null);
    }

    /// <summary>
    /// The one place a message is written: in the organiser's <paramref name="wording"/> or the built-in text,
    /// with the culture set to the runner's language for the while (dates, amounts, the built-in words).
    /// </summary>
    internal static RenderedEmail Render(string kind, OrganiserTemplate? wording, EventSettings settings, RunnerDetails runner, string? statusUrl) =>
        InLanguage.Run(runner.Language, () => wording?.Render(settings, runner, statusUrl) ?? EmailTemplates.Render(kind, settings, runner, statusUrl));

    public string StatusUrl(string token) => new Uri(emailSettings.PublicBaseUrl, $"status/{token}").ToString();

    private string NewMessageId() => $"{Guid.NewGuid():N}@{emailSettings.MessageIdDomain}";
}
