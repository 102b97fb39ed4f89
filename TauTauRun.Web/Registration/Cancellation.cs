using Npgsql;
using TauTauRun.Web.Email;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Cancelling a registration, by the runner or by an admin: CANCELLED, the place to the next runner
/// waiting, and the cancellation email, in the caller's transaction.
/// </summary>
public sealed class Cancellation(EmailOutbox outbox, Places places)
{
    /// <summary>False when the registration was no longer active (already cancelled, expired or refunded).</summary>
    public async Task<bool> CancelAsync(NpgsqlTransaction transaction, long participantId)
    {
        if (!await StatusChange.MoveAsync(transaction, participantId, ParticipantStatus.Cancelled, ParticipantStatus.Active))
            return false;
        await places.ReleaseAsync(transaction, participantId);
        await outbox.QueueAsync(transaction, participantId, EmailKind.RegistrationCancelled);
        return true;
    }
}
