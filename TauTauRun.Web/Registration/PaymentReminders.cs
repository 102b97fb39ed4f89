using Dapper;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;
using static TauTauRun.Web.Registration.ParticipantStatus;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Reminds a PENDING runner once, <c>payment_reminder_days</c> before their payment deadline (0: never),
/// through the outbox. Only PENDING runners are reminded: never the paid, cancelled or waiting ones. A
/// runner is reminded once per pending period (<c>payment_reminded_at</c> after the status changed), the
/// stamp and the email commit together, and one instance sends at a time (an advisory lock), so nobody
/// gets two reminders whatever the number of instances.
/// </summary>
public sealed class PaymentReminders(NpgsqlDataSource dataSource, EventSettingsStore settingsStore, EmailOutbox outbox)
{
    private const int BatchSize = 500;

    /// <summary>How many reminders were queued; null when reminders are off or another instance is sending.</summary>
    public async Task<int?> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var settings = await settingsStore.LoadAsync();
        if (settings.PaymentReminderDays == 0)
            return null;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await connection.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_xact_lock(hashtext('payment-reminders'))", transaction: transaction))
            return null;
        var due = (await connection.QueryAsync<long>($"""
            WITH batch AS MATERIALIZED (
                SELECT id FROM participants
                WHERE payment_status = '{Pending}'
                  AND (payment_reminded_at IS NULL OR payment_reminded_at < status_changed_at)
                  AND status_changed_at + make_interval(days => @deadline - @remind) <= now()
                  AND status_changed_at + make_interval(days => @deadline) > now()
                ORDER BY id LIMIT @BatchSize FOR UPDATE SKIP LOCKED)
            UPDATE participants p SET payment_reminded_at = now()
            FROM batch WHERE p.id = batch.id
            RETURNING p.id
            """, new { deadline = settings.PaymentDeadlineDays, remind = settings.PaymentReminderDays, BatchSize }, transaction)).AsList();
        foreach (var id in due)
            await outbox.QueueAsync(transaction, id, EmailKind.PaymentReminder);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }
}
