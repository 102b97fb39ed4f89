using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Hands a place to another person, in one transaction: the same registration (reference, race,
/// payment) with the new runner's details, a new status link for them and the old one dead, an email
/// to each, the bib kept or the next one drawn (<see cref="EventSettings.TransferKeepsBib"/>), and the
/// audit row. Runners may do it until <see cref="EventSettings.TransferDeadline"/>, admins at any time.
/// </summary>
public sealed class Transfers(NpgsqlDataSource dataSource, EmailOutbox outbox, EventSettingsStore settingsStore)
{
    /// <summary>What happened; <see cref="Message"/> is for the person who asked, in plain words.</summary>
    public sealed record Outcome(bool Done, string Message)
    {
        /// <summary>The link is no longer current, or the runner is unknown or was changed since the form was filled.</summary>
        public bool Stale { get; init; }
        /// <summary>Refused because another active registration in the race has the new runner's address.</summary>
        public bool EmailTaken { get; init; }
    }

    /// <param name="holder">The new runner's details, already checked by <see cref="RunnerFields"/> against the place's race.</param>
    public async Task<Outcome> TransferAsync(HeldPlace.Who who, Registrar.NewRunner holder)
    {
        var settings = await settingsStore.LoadAsync();
        if (who.IsRunner && DateTime.UtcNow >= settings.TransferDeadline)
            return new Outcome(false, RunnerText.Get("Transfer.DeadlinePassed", RunnerText.DateAndTime(settings.Local(settings.TransferDeadline))));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (await HeldPlace.LockAsync(transaction, who) is not { } place)
            return new Outcome(false, RunnerText.Get("Place.ChangedMeanwhile")) { Stale = true };
        if (!place.Status.IsIn(ParticipantStatus.Transferable))
            return new Outcome(false, RunnerText.Get("Transfer.NotTransferable", place.Reference, ParticipantStatus.Name(place.Status)));
        if (holder.CategoryId != place.CategoryId)
            return new Outcome(false, RunnerText.Get("Transfer.KeepsRace"));

        var bib = place.Bib;
        if (place.Status == ParticipantStatus.Paid && !settings.TransferKeepsBib)
        {
            bib = await Bibs.NextAsync(transaction, place.CategoryId);
            if (bib is null)
                return new Outcome(false, RunnerText.Get("Place.NoBibLeft", place.CategoryName));
        }
        // Before the row changes: the message goes to the runner who hands the place on.
        await outbox.QueueAsync(transaction, place.Id, EmailKind.PlaceTransferred);
        var before = await connection.QuerySingleAsync<(string FullName, string Email)>(
            "SELECT full_name, email FROM participants WHERE id = @Id", new { place.Id }, transaction);
        var token = StatusTokens.New();
        try
        {
            await connection.ExecuteAsync("""
                UPDATE participants
                SET full_name = @FullName, email = @Email, phone = @Phone, date_of_birth = @DateOfBirth, gender = @Gender,
                    tshirt_size = @TshirtSize, emergency_contact_name = @EmergencyContactName,
                    emergency_contact_phone = @EmergencyContactPhone, medical_notes = @MedicalNotes, club = @Club,
                    waiver_version = @WaiverVersion, waiver_accepted_at = now(), guardian_name = @GuardianName,
                    guardian_phone = @GuardianPhone, guardian_consent_at = CASE WHEN @GuardianName::text IS NOT NULL THEN now() END,
                    guardian_waiver_version = CASE WHEN @GuardianName::text IS NOT NULL THEN @WaiverVersion END,
                    access_token_hash = @hash, bib = @bib, payment_reminded_at = NULL, updated_at = now(),
                    -- No link of the old holder's may open the place any more, a pending one included; the
                    -- new holder's address is vouched for by whoever held the link (or the admin).
                    pending_token_hash = NULL, link_sent_at = NULL, email_confirmed_at = coalesce(email_confirmed_at, now())
                WHERE id = @Id
                """, new
            {
                holder.FullName, holder.Email, holder.Phone, holder.DateOfBirth, holder.Gender, holder.TshirtSize,
                holder.EmergencyContactName, holder.EmergencyContactPhone, holder.MedicalNotes, holder.Club, holder.WaiverVersion,
                GuardianName = holder.Guardian?.Name, GuardianPhone = holder.Guardian?.Phone, hash = StatusTokens.Hash(token), bib, place.Id,
            }, transaction);
        }
        catch (PostgresException e) when (e.ConstraintName == "participants_active_email_per_category")
        {
            return new Outcome(false, RunnerText.Get("Transfer.EmailTaken", holder.Email, place.CategoryName)) { EmailTaken = true };
        }
        await outbox.QueueAsync(transaction, place.Id, EmailKind.PlaceReceived, token);
        await AuditLog.WriteAsync(transaction, who.Actor, "registration.transferred", new
        {
            before = new { before.FullName, before.Email, bib = place.Bib },
            after = new { holder.FullName, holder.Email, bib },
        }, place.Id);
        await transaction.CommitAsync();
        return new Outcome(true, RunnerText.Get("Transfer.Done", place.Reference, holder.FullName));
    }
}
