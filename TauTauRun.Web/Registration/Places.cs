using Dapper;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Gives places back and hands free places to the waiting list, inside the caller's transaction. A
/// freed place goes to the first runner waiting, who is offered it by email with a fresh status link
/// and a deadline; only when nobody waits does it become free for new registrations.
/// </summary>
public sealed class Places(EmailOutbox outbox, EventSettingsStore settingsStore)
{
    /// <summary>Frees the place the runner holds, if any, and offers its category's free places to the waiting list.</summary>
    public async Task ReleaseAsync(NpgsqlTransaction transaction, long participantId)
    {
        var categoryId = await transaction.Connection!.ExecuteScalarAsync<long?>(
            "UPDATE category_slots SET participant_id = NULL WHERE participant_id = @participantId RETURNING category_id",
            new { participantId }, transaction);
        if (categoryId is { } category)
            await OfferFreePlacesAsync(transaction, category);
    }

    /// <summary>While the category has a free place and someone waiting, the first in line is offered one. Returns how many were offered.</summary>
    public async Task<int> OfferFreePlacesAsync(NpgsqlTransaction transaction, long categoryId)
    {
        var hours = (await settingsStore.LoadAsync()).WaitlistOfferHours;
        var offered = 0;
        while (true)
        {
            var token = StatusTokens.New();
            var participantId = await transaction.Connection!.ExecuteScalarAsync<long?>($"""
                WITH slot AS MATERIALIZED ({FreeSlots.Claim("@categoryId")}),
                next AS MATERIALIZED (
                    SELECT id FROM participants
                    WHERE category_id = @categoryId AND payment_status = '{ParticipantStatus.Waitlisted}'
                    ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED),
                taken AS (
                    UPDATE category_slots s SET participant_id = next.id
                    FROM slot, next
                    WHERE s.category_id = @categoryId AND s.slot_no = slot.slot_no
                    RETURNING s.participant_id)
                UPDATE participants p
                SET payment_status = '{ParticipantStatus.Offered}', offer_expires_at = now() + make_interval(hours => @hours),
                    access_token_hash = @hash, pending_token_hash = NULL, {StatusChange.Stamp}
                FROM taken
                WHERE p.id = taken.participant_id
                RETURNING p.id
                """, new { categoryId, hours, hash = StatusTokens.Hash(token) }, transaction);
            if (participantId is not { } id)
                return offered;
            await outbox.QueueAsync(transaction, id, EmailKind.WaitlistOffer, token);
            offered++;
        }
    }
}
