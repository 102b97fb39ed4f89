using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Email;
using static TauTauRun.Web.Registration.ParticipantStatus;

namespace TauTauRun.Web.Registration;

/// <summary>
/// What runners change themselves, from their status page and the "send me my link" page, each in one
/// transaction with the email it causes and its audit row (actor "runner", never the link's token).
/// </summary>
public sealed class RunnerChanges(NpgsqlDataSource dataSource, EmailOutbox outbox, Cancellation cancellation)
{
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
            var changed = ChangedFields(before, contact);
            if (changed.Count == 0)
                return true; // nothing to record: the transaction rolls back with nothing in it
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
    /// Every active registration of the address gets a new status link by email; the old links stop
    /// working. Returns how many (never shown: the answer must not say whether an address is registered).
    /// </summary>
    public async Task<int> SendNewLinksAsync(string email, AuditActor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var registrations = (await connection.QueryAsync<long>($"""
            SELECT id FROM participants
            WHERE lower(email) = lower(@email) AND payment_status IN {SqlList(Active)}
            FOR UPDATE
            """, new { email }, transaction)).AsList();
        foreach (var id in registrations)
        {
            var token = StatusTokens.New();
            await connection.ExecuteAsync("UPDATE participants SET access_token_hash = @hash WHERE id = @id",
                new { id, hash = StatusTokens.Hash(token) }, transaction);
            await outbox.QueueAsync(transaction, id, EmailKind.StatusLink, token);
            await AuditLog.WriteAsync(transaction, actor, "runner.link_requested", participantId: id);
        }
        await transaction.CommitAsync();
        return registrations.Count;
    }
}
