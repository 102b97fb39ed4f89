using Dapper;
using Npgsql;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Email;

/// <summary>
/// Puts a runner's message into <c>email_logs</c> inside the caller's transaction: it is sent only if
/// the change that caused it commits, and it cannot be lost once it has. The Message-ID is fixed here,
/// so every retry of the message carries the same one. A status link is stored as a placeholder with the
/// token beside it until the message is sent (see <see cref="OutboxMessage"/>).
/// </summary>
public sealed class EmailOutbox(EventSettingsStore settingsStore, EmailSettings emailSettings)
{
    /// <param name="statusToken">The runner's current secret token, for kinds whose message links to the status page.</param>
    /// <param name="recipient">Another address than the runner's current one (the old one, when it was changed).</param>
    public async Task<long> QueueAsync(NpgsqlTransaction transaction, long participantId, string kind, string? statusToken = null, string? recipient = null)
    {
        var connection = transaction.Connection!;
        var runner = await connection.QuerySingleAsync<RunnerDetails>("""
            SELECT p.email AS Email, p.full_name AS FullName, p.reference AS Reference, c.name AS CategoryName,
                   p.amount_due_minor AS AmountDueMinor, p.currency AS Currency, p.bib AS Bib,
                   p.status_changed_at AS PendingSince, p.offer_expires_at AS OfferExpiresAt,
                   p.email_confirmed_at IS NOT NULL AS EmailConfirmed, p.amount_paid_minor AS AmountPaidMinor
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            WHERE p.id = @participantId
            """, new { participantId }, transaction);
        var settings = await settingsStore.LoadAsync(transaction);
        var wording = await EmailTemplateStore.CurrentAsync(connection, kind, transaction);
        var email = Render(kind, wording, settings, runner, statusToken is null ? null : StatusUrl(OutboxMessage.StatusTokenPlaceholder));

        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO email_logs (participant_id, kind, recipient, subject, html_body, text_body, message_id, status_token)
            VALUES (@participantId, @kind, @recipient, @Subject, @Html, @Text, @messageId, @statusToken)
            RETURNING id
            """, new { participantId, kind, recipient = recipient ?? runner.Email, email.Subject, email.Html, email.Text, messageId = NewMessageId(), statusToken },
            transaction);
    }

    /// <summary>
    /// A message of the kind for a made-up runner (the admins' preview), in the organiser's
    /// <paramref name="wording"/> or the built-in one; its status link has the real shape but opens nothing.
    /// </summary>
    public RenderedEmail Sample(string kind, EventSettings settings, OrganiserTemplate? wording)
    {
        var now = DateTime.UtcNow;
        var runner = new RunnerDetails("anna.de.vries@example.org", "Anna de Vries", "TTR-7K3M9Q", "10K", 2500, "EUR",
            Bib: 1042, PendingSince: now, OfferExpiresAt: now.AddHours(settings.WaitlistOfferHours), EmailConfirmed: false);
        return Render(kind, wording, settings, runner, EmailTemplates.LinksToStatusPage(kind) ? StatusUrl("sample-link-for-the-preview") : null);
    }

    private static RenderedEmail Render(string kind, OrganiserTemplate? wording, EventSettings settings, RunnerDetails runner, string? statusUrl) =>
        wording?.Render(settings, runner, statusUrl) ?? EmailTemplates.Render(kind, settings, runner, statusUrl);

    public string StatusUrl(string token) => new Uri(emailSettings.PublicBaseUrl, $"status/{token}").ToString();

    private string NewMessageId() => $"{Guid.NewGuid():N}@{emailSettings.MessageIdDomain}";
}
