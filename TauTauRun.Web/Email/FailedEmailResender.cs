using Dapper;
using Npgsql;

namespace TauTauRun.Web.Email;

/// <summary>
/// The plan's Scenario 5, step 4, done properly: every PAID participant who has not received their
/// mail gets it again, once. Their FAILED messages are queued again (to their current address, except
/// the notice to an address they replaced; with
/// the same Message-ID), and a payment confirmation is queued for those who never had one (which the
/// plan's query misses when another message of theirs exists). Running it again queues nothing new.
/// Backs both <c>resend-failed-emails</c> and the admin email page.
/// </summary>
public sealed class FailedEmailResender(NpgsqlDataSource dataSource, EmailOutbox outbox)
{
    public sealed record Result(int Requeued, int NewConfirmations, IReadOnlyList<string> References);

    /// <param name="inTransaction">Runs before the commit, in the same transaction (the admin page writes its audit row there).</param>
    public async Task<Result> ResendAsync(bool dryRun, CancellationToken cancellationToken = default,
        Func<NpgsqlTransaction, Result, Task>? inTransaction = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Two resends at once must not both queue a confirmation for the same runner.
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('resend-failed-emails'))", transaction: transaction);

        var requeued = (await connection.QueryAsync<string>("""
            UPDATE email_logs e
            SET status = 'QUEUED', attempts = 0, next_attempt_at = now(), claimed_until = NULL,
                recipient = CASE WHEN e.kind = 'EMAIL_CHANGED' THEN e.recipient ELSE p.email END
            FROM participants p
            WHERE p.id = e.participant_id AND p.payment_status = 'PAID' AND e.status = 'FAILED'
              AND (e.claimed_until IS NULL OR e.claimed_until < now())
            RETURNING p.reference
            """, transaction: transaction)).AsList();
        var unconfirmed = (await connection.QueryAsync<(long Id, string Reference)>("""
            SELECT p.id, p.reference FROM participants p
            WHERE p.payment_status = 'PAID'
              AND NOT EXISTS (SELECT 1 FROM email_logs e WHERE e.participant_id = p.id AND e.kind = 'PAYMENT_CONFIRMED')
            """, transaction: transaction)).AsList();
        foreach (var (id, _) in unconfirmed)
            await outbox.QueueAsync(transaction, id, EmailKind.PaymentConfirmed);

        var references = requeued.Concat(unconfirmed.Select(u => u.Reference)).Distinct().Order().ToList();
        var result = new Result(requeued.Count, unconfirmed.Count, references);
        if (inTransaction is not null)
            await inTransaction(transaction, result);
        if (dryRun)
            await transaction.RollbackAsync(cancellationToken);
        else
            await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
