using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Email;
using TauTauRun.Web.Localization;
using static TauTauRun.Web.Registration.ParticipantStatus;

namespace TauTauRun.Web.Registration;

/// <summary>
/// What runners change themselves, from their status page and the "send me my link" page, each in one
/// transaction with the email it causes and its audit row (actor "runner", never the link's token).
/// </summary>
public sealed class RunnerChanges(NpgsqlDataSource dataSource, EmailOutbox outbox, Cancellation cancellation, IConfiguration configuration)
{
    /// <summary>What a person who asked for an address's link is told, whether or not the address is registered.</summary>
    public static string LinkSentAnswer => RunnerText.Get("Link.SentAnswer");

    /// <summary>How long an address waits between two "send me my link" emails (<c>RateLimits:StatusLinkCooldownMinutes</c>).</summary>
    private int CooldownMinutes => configuration.GetValue("RateLimits:StatusLinkCooldownMinutes", 15);

    /// <summary>The details a runner may change online (already checked by <see cref="RunnerFields"/>).</summary>
    public sealed record Contact(string Email, string Phone, string TshirtSize, string EmergencyContactName, string EmergencyContactPhone);

    /// <summary>
    /// Takes an offered place while the offer is open: PENDING, the payment deadline counted from now,
    /// and the registration email with the payment instructions and the runner's (current) link.
    /// </summary>
    public async Task<bool> AcceptOfferAsync(long participantId, string statusToken, AuditActor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (!await StatusChange.MoveAsync(transaction, participantId, Pending, [Offered], andWhere: "offer_expires_at > now()"))
            return false;
        // The offer's link went only to the address: accepting through it confirms the address.
        await connection.ExecuteAsync("UPDATE participants SET email_confirmed_at = coalesce(email_confirmed_at, now()) WHERE id = @participantId",
            new { participantId }, transaction);
        await outbox.QueueAsync(transaction, participantId, EmailKind.RegistrationReceived, statusToken);
        await AuditLog.WriteAsync(transaction, actor, "runner.offer_accepted", participantId: participantId);
        await transaction.CommitAsync();
        return true;
    }

    /// <summary>Cancelling (or declining an offered place) gives the place to the next runner waiting.</summary>
    public async Task<bool> CancelAsync(long participantId, AuditActor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var cancelled = await cancellation.CancelAsync(transaction, participantId);
        if (cancelled)
            await AuditLog.WriteAsync(transaction, actor, "runner.cancelled", participantId: participantId);
        await transaction.CommitAsync();
        return cancelled;
    }

    /// <summary>
    /// False when another active registration in the race already uses the new address. The audit row
    /// names the fields changed, not their values; a replaced address is told of the change.
    /// </summary>
    public async Task<bool> EditAsync(long participantId, Contact contact, AuditActor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            var before = await connection.QuerySingleAsync<Contact>("""
                SELECT email, phone, tshirt_size, emergency_contact_name, emergency_contact_phone
                FROM participants WHERE id = @participantId FOR UPDATE
                """, new { participantId }, transaction);
            await connection.ExecuteAsync("""
                UPDATE participants
                SET email = @Email, phone = @Phone, tshirt_size = @TshirtSize, emergency_contact_name = @EmergencyContactName,
                    emergency_contact_phone = @EmergencyContactPhone, updated_at = now()
                WHERE id = @participantId
                """, new { contact.Email, contact.Phone, contact.TshirtSize, contact.EmergencyContactName, contact.EmergencyContactPhone, participantId },
                transaction);
            // The language the runner last used is the one their emails are written in; not a change to audit.
            var newLanguage = await connection.ExecuteAsync(
                "UPDATE participants SET language = @language WHERE id = @participantId AND language <> @language",
                new { language = Languages.Current, participantId }, transaction) == 1;
            var changed = ChangedFields(before, contact);
            if (changed.Count == 0)
            {
                if (newLanguage)
                    await transaction.CommitAsync();
                return true; // nothing to record: without a new language the transaction rolls back with nothing in it
            }
            if (changed.Contains("email"))
                await outbox.QueueAsync(transaction, participantId, EmailKind.EmailChanged, recipient: before.Email);
            await AuditLog.WriteAsync(transaction, actor, "runner.edited", new { fields = changed }, participantId);
            await transaction.CommitAsync();
            return true;
        }
        catch (PostgresException e) when (e.ConstraintName == "participants_active_email_per_category")
        {
            return false;
        }
    }

    private static List<string> ChangedFields(Contact before, Contact after) =>
    [
        .. string.Equals(before.Email, after.Email, StringComparison.OrdinalIgnoreCase) ? [] : new[] { "email" },
        .. before.Phone == after.Phone ? [] : new[] { "phone" },
        .. before.TshirtSize == after.TshirtSize ? [] : new[] { "tshirt_size" },
        .. before.EmergencyContactName == after.EmergencyContactName ? [] : new[] { "emergency_contact_name" },
        .. before.EmergencyContactPhone == after.EmergencyContactPhone ? [] : new[] { "emergency_contact_phone" },
    ];

    /// <summary>
    /// Opening a link that was emailed and not used yet makes it the runner's link (the one before stops
    /// working) and confirms the address of a registration still in the race. Returns a row (true) when
    /// this opening confirmed it; <c>@hash</c> is the opened token's hash. The status page sends it in one
    /// round trip with its own read, which then sees the link already swapped.
    /// </summary>
    public static readonly string OpenLink = $"""
        WITH opened AS (
            SELECT id, email_confirmed_at IS NULL AND payment_status IN {SqlList(Active)} AS confirms
            FROM participants WHERE pending_token_hash = @hash FOR UPDATE)
        UPDATE participants p
        SET access_token_hash = p.pending_token_hash, pending_token_hash = NULL,
            email_confirmed_at = CASE WHEN opened.confirms THEN now() ELSE p.email_confirmed_at END
        FROM opened WHERE p.id = opened.id
        RETURNING opened.confirms
        """;

    /// <summary>
    /// Every active registration of the address gets a new status link by email, at most once per
    /// cooldown whichever client asks; the links the runner has keep working until the new one is
    /// opened. Returns how many (never shown: the answer must not say whether an address is registered).
    /// </summary>
    public async Task<int> SendNewLinksAsync(string email, AuditActor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var registrations = (await connection.QueryAsync<long>($"""
            SELECT id FROM participants
            WHERE lower(email) = lower(@email) AND payment_status IN {SqlList(Active)}
              AND (link_sent_at IS NULL OR link_sent_at < now() - make_interval(mins => @minutes))
            FOR UPDATE
            """, new { email, minutes = CooldownMinutes }, transaction)).AsList();
        foreach (var id in registrations)
        {
            var token = StatusTokens.New();
            await connection.ExecuteAsync("UPDATE participants SET pending_token_hash = @hash, link_sent_at = now() WHERE id = @id",
                new { id, hash = StatusTokens.Hash(token) }, transaction);
            await outbox.QueueAsync(transaction, id, EmailKind.StatusLink, token);
            await AuditLog.WriteAsync(transaction, actor, "runner.link_requested", participantId: id);
        }
        await transaction.CommitAsync();
        return registrations.Count;
    }
}
