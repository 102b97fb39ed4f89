using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Moves a registration to another race, in one transaction: a free place in the new race claimed the
/// way a registration claims one (so its capacity holds exactly, whatever runs at the same time), the
/// old place given back to its waiting list, the new price due, a paid runner's bib drawn from the new
/// race's range, the email and the audit row. A paid runner's price difference is shown as still to
/// pay or recorded (in the audit row, and as amount paid over amount due) as a refund to make.
/// </summary>
public sealed class RaceChanges(NpgsqlDataSource dataSource, EmailOutbox outbox, Places places, EventSettingsStore settingsStore)
{
    /// <summary>What happened; <see cref="Message"/> is for the person who asked, in plain words.</summary>
    public sealed record Outcome(bool Done, string Message)
    {
        /// <summary>The link is no longer current, or the runner is unknown or was changed since the form was filled.</summary>
        public bool Stale { get; init; }
    }

    private sealed record Race(long Id, string Name, long PriceMinor, string Currency, bool IsOpen, int MinimumAge);

    public async Task<Outcome> ChangeAsync(HeldPlace.Who who, long toCategoryId)
    {
        var settings = await settingsStore.LoadAsync();
        if (who.IsRunner && DateTime.UtcNow >= settings.TransferDeadline)
            return new Outcome(false, RunnerText.Get("RaceChange.DeadlinePassed", RunnerText.DateAndTime(settings.Local(settings.TransferDeadline))));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (await HeldPlace.LockAsync(transaction, who) is not { } place)
            return new Outcome(false, RunnerText.Get("Place.ChangedMeanwhile")) { Stale = true };
        if (!place.Status.IsIn(ParticipantStatus.Transferable))
            return new Outcome(false, RunnerText.Get("RaceChange.NotMovable", place.Reference, ParticipantStatus.Name(place.Status)));
        var race = await connection.QuerySingleOrDefaultAsync<Race>(
            "SELECT id, name, price_minor, currency, is_open, minimum_age FROM race_categories WHERE id = @toCategoryId",
            new { toCategoryId }, transaction);
        if (race is null || race.Id == place.CategoryId)
            return new Outcome(false, RunnerText.Get("RaceChange.ChooseOther"));
        if (!race.IsOpen)
            return new Outcome(false, RunnerText.Get("RaceChange.Closed", race.Name));
        if (race.Currency != place.Currency)
            return new Outcome(false, RunnerText.Get("RaceChange.OtherCurrency", race.Name, race.Currency, place.Currency));
        var raceDay = DateOnly.FromDateTime(settings.Local(settings.StartsAt));
        if (RunnerInput.AgeOn(place.DateOfBirth, raceDay) < race.MinimumAge)
            return new Outcome(false, RunnerText.Get("Race.MinimumAge", race.Name, race.MinimumAge, RunnerText.Date(raceDay)));

        // The old place first (a runner holds one slot), offered to its waiting list; all of it rolls back if the new race is full.
        await places.ReleaseAsync(transaction, place.Id);
        // The free slot is chosen in a MATERIALIZED CTE, which runs once. As a subquery in FROM it can sit on
        // the inner side of a nested loop and be rescanned: each rescan skips the slot this statement just
        // took and returns the next one, and the runner would be given two (a duplicate key, or worse).
        var claimed = await connection.ExecuteAsync($"""
            WITH free AS MATERIALIZED ({FreeSlots.Claim("@toCategoryId")})
            UPDATE category_slots s SET participant_id = @Id
            FROM free
            WHERE s.category_id = @toCategoryId AND s.slot_no = free.slot_no
            """, new { place.Id, toCategoryId }, transaction);
        if (claimed == 0)
            return new Outcome(false, RunnerText.Get("RaceChange.Full", race.Name));
        int? bib = null;
        if (place.Status == ParticipantStatus.Paid && (bib = await Bibs.NextAsync(transaction, race.Id)) is null)
            return new Outcome(false, RunnerText.Get("Place.NoBibLeft", race.Name));
        try
        {
            await connection.ExecuteAsync("""
                UPDATE participants SET category_id = @toCategoryId, amount_due_minor = @PriceMinor, bib = @bib, updated_at = now()
                WHERE id = @Id
                """, new { toCategoryId, race.PriceMinor, bib, place.Id }, transaction);
        }
        catch (PostgresException e) when (e.ConstraintName == "participants_active_email_per_category")
        {
            return new Outcome(false, RunnerText.Get("RaceChange.EmailTaken", race.Name));
        }
        var balance = race.PriceMinor - (place.AmountPaidMinor ?? race.PriceMinor);
        await outbox.QueueAsync(transaction, place.Id, EmailKind.RaceChanged);
        await AuditLog.WriteAsync(transaction, who.Actor, "registration.race_changed", new
        {
            before = new { race = place.CategoryName, amountDueMinor = place.AmountDueMinor, bib = place.Bib },
            after = new { race = race.Name, amountDueMinor = race.PriceMinor, bib },
            stillToPayMinor = Math.Max(balance, 0),
            refundToMakeMinor = Math.Max(-balance, 0),
        }, place.Id);
        await transaction.CommitAsync();
        var settle = balance > 0 ? RunnerText.Get("RaceChange.StillToPay", Money.Format(balance, place.Currency))
            : balance < 0 ? RunnerText.Get("RaceChange.Refund", Money.Format(-balance, place.Currency))
            : RunnerText.Get("RaceChange.NothingToSettle");
        return new Outcome(true, bib is { } b ? RunnerText.Get("RaceChange.DoneWithBib", place.Reference, race.Name, b, settle)
            : RunnerText.Get("RaceChange.Done", place.Reference, race.Name, settle));
    }
}
