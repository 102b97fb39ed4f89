using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Registration;

/// <summary>
/// A runner registered by an admin at the desk: the same registration as the public form's (a place,
/// or "full"; the email with the runner's status link) with the admin's audit row in its transaction,
/// then, when they pay in cash on the spot, the usual payment path, which gives the bib at once. The
/// admin chooses the runner's language: the registration is made in it, as the public form's is in the
/// page's, so the Registrar stores it (the language of the moment) for every email to the runner.
/// </summary>
public sealed class WalkIns(NpgsqlDataSource dataSource, Registrar registrar, AdminChanges adminChanges)
{
    /// <summary>What happened; <see cref="Message"/> is for the admin, in plain words.</summary>
    public sealed record Outcome(bool Done, string Message, long? ParticipantId = null)
    {
        /// <summary>Refused because another active registration in the race has the address.</summary>
        public bool EmailTaken { get; init; }
    }

    /// <param name="language">The runner's language (a supported code), for every email to them.</param>
    /// <param name="token">Issued with the admin's form: sending the form twice finds the registration it made.</param>
    /// <param name="cashMinor">The amount paid in cash now, or null when the runner pays later.</param>
    public async Task<Outcome> RegisterAsync(Registrar.NewRunner runner, string language, string token, long? cashMinor, AuditActor actor)
    {
        long id;
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            try
            {
                var (outcome, participantId) = await InLanguage.RunAsync(language,
                    () => registrar.AdmitAsync(transaction, runner, token, joinWaitlist: false, addressVouched: true));
                if (participantId is null)
                    return new Outcome(false, outcome == Registrar.Outcome.Full
                        ? "This race is full: no place for a walk-in (cancel someone, or raise the capacity on the race's page)."
                        : "This race is closed for registration: open it on the race's page first.");
                id = participantId.Value;
            }
            catch (PostgresException e) when (e.ConstraintName == "participants_access_token_hash_key")
            {
                return new Outcome(false, "This form was already sent: the runner is registered (see the participants list).");
            }
            catch (PostgresException e) when (e.ConstraintName == "participants_active_email_per_category")
            {
                return new Outcome(false, "This address is already registered for this race.") { EmailTaken = true };
            }
            await AuditLog.WriteAsync(transaction, actor, "registration.walk_in", new { paidInCash = cashMinor is not null }, id);
            await transaction.CommitAsync();
        }
        if (cashMinor is not { } cash)
            return new Outcome(true, "Registered: the runner's email with the payment details and their link is on its way.", id);
        var paid = await adminChanges.MarkPaidAsync(id, new AdminChanges.Payment(cash, "CASH", null, DateOnly.FromDateTime(DateTime.UtcNow)), actor);
        return new Outcome(true, paid.Done ? $"Registered and paid in cash: bib {paid.Bib}." : $"Registered, but not marked paid: {paid.Message}", id);
    }
}
