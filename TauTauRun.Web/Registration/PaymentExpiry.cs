using Dapper;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;
using static TauTauRun.Web.Registration.ParticipantStatus;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Releases places whose holders let them go: PENDING registrations unpaid after the payment deadline
/// or with their email address still unconfirmed after <see cref="EventSettings.EmailConfirmHours"/>
/// (EXPIRED, with an email), and offers not accepted in time (EXPIRED, no email: they were told the
/// deadline). Each freed place goes to the waiting list. One instance sweeps at a time (an advisory
/// lock); the others skip that round.
/// </summary>
public sealed class PaymentExpiry(NpgsqlDataSource dataSource, EventSettingsStore settingsStore, Places places, EmailOutbox outbox)
{
    private const int BatchSize = 500;

    /// <param name="Expired">Released unpaid after the payment deadline.</param>
    /// <param name="Unconfirmed">Released because the address was not confirmed in time.</param>
    public sealed record Sweep(int Expired, int Unconfirmed, int OffersLapsed, bool Skipped);

    public async Task<Sweep> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var settings = await settingsStore.LoadAsync();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await connection.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_xact_lock(hashtext('payment-expiry'))", transaction: transaction))
            return new Sweep(0, 0, 0, Skipped: true);

        var expired = await ExpirePendingAsync(transaction, "status_changed_at < now() - make_interval(days => @PaymentDeadlineDays)", settings);
        var unconfirmed = await ExpirePendingAsync(transaction,
            "email_confirmed_at IS NULL AND status_changed_at < now() - make_interval(hours => @EmailConfirmHours)", settings);

        var lapsed = (await connection.QueryAsync<long>($"""
            WITH batch AS MATERIALIZED (
                SELECT id FROM participants
                WHERE payment_status = '{Offered}' AND offer_expires_at < now()
                ORDER BY id LIMIT @BatchSize FOR UPDATE SKIP LOCKED)
            UPDATE participants p SET payment_status = '{Expired}', offer_expires_at = NULL, {StatusChange.Stamp}
            FROM batch WHERE p.id = batch.id
            RETURNING p.id
            """, new { BatchSize }, transaction)).AsList();
        foreach (var id in lapsed)
            await places.ReleaseAsync(transaction, id);

        // Places can also be free with runners waiting after a capacity raise or a rolled-back
        // registration: every sweep hands those out too.
        var waiting = await connection.QueryAsync<long>($"""
            SELECT DISTINCT s.category_id FROM category_slots s
            WHERE s.participant_id IS NULL
              AND EXISTS (SELECT 1 FROM participants p WHERE p.category_id = s.category_id AND p.payment_status = '{Waitlisted}')
            """, transaction: transaction);
        foreach (var categoryId in waiting)
            await places.OfferFreePlacesAsync(transaction, categoryId);

        await transaction.CommitAsync(cancellationToken);
        return new Sweep(expired, unconfirmed, lapsed.Count, Skipped: false);
    }

    /// <summary>PENDING registrations matching <paramref name="overdue"/> become EXPIRED, are told so, and give their places back.</summary>
    private async Task<int> ExpirePendingAsync(NpgsqlTransaction transaction, string overdue, EventSettings settings)
    {
        var ids = (await transaction.Connection!.QueryAsync<long>($"""
            WITH batch AS MATERIALIZED (
                SELECT id FROM participants
                WHERE payment_status = '{Pending}' AND {overdue}
                ORDER BY id LIMIT @BatchSize FOR UPDATE SKIP LOCKED)
            UPDATE participants p SET payment_status = '{Expired}', {StatusChange.Stamp}
            FROM batch WHERE p.id = batch.id
            RETURNING p.id
            """, new { settings.PaymentDeadlineDays, settings.EmailConfirmHours, BatchSize }, transaction)).AsList();
        foreach (var id in ids)
        {
            await outbox.QueueAsync(transaction, id, EmailKind.RegistrationExpired);
            await places.ReleaseAsync(transaction, id);
        }
        return ids.Count;
    }
}
