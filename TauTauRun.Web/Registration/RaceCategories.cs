using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Registration;

/// <summary>
/// The admin's changes to the races: add and edit, each with its audit row in one transaction. The
/// database guards what matters under concurrency (the slot trigger refuses a capacity below the
/// places taken, the exclusion constraint refuses overlapping bib ranges); this class turns its
/// refusals into messages. A raised capacity is offered to the waiting list in the same transaction.
/// A race's price tiers are saved with it (<see cref="PriceTiers.SaveAsync"/>), under the same version check.
/// </summary>
public sealed class RaceCategories(NpgsqlDataSource dataSource, Places places)
{
    /// <summary>A race as an admin sets it, for the update, the audit row's before/after and the form.</summary>
    public sealed record Values(string Name, int DistanceMeters, long PriceMinor, string Currency, int Capacity,
        int BibFirst, int BibLast, int MinimumAge, int SortOrder, bool IsOpen);

    /// <summary>A race on the races page (<see cref="Races.ForRacesPage"/>).</summary>
    public sealed record Row(long Id, string Name, int DistanceMeters, long PriceMinor, string Currency, int Capacity,
        int BibFirst, int BibLast, int MinimumAge, int SortOrder, bool IsOpen, DateTime UpdatedAt, long Taken, long Waiting)
    {
        public Values Values => new(Name, DistanceMeters, PriceMinor, Currency, Capacity, BibFirst, BibLast, MinimumAge, SortOrder, IsOpen);
        public string Price => Money.Format(PriceMinor, Currency);
        /// <summary>The version an edit must have been opened on (its updated_at, in ticks).</summary>
        public long Version => UpdatedAt.Ticks;
    }

    public enum Result { Done, NotFound, Stale, Refused }

    /// <summary>What happened, in the admin's words; when <see cref="Result.Stale"/>, the race's current version.</summary>
    public sealed record Outcome(Result Result, string Message, long Version = 0);

    public async Task<IReadOnlyList<Row>> ListAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await Races.ListAsync<Row>(connection, Races.ForRacesPage);
    }

    /// <summary>Every race's price tiers, in order, with their places left.</summary>
    public async Task<ILookup<long, PriceTiers.Tier>> TiersAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await PriceTiers.ListAsync(connection);
    }

    public Task<Outcome> AddAsync(Values wanted, IReadOnlyList<PriceTiers.Values> tiers, AuditActor actor) => InTransactionAsync(null, wanted, async transaction =>
    {
        var id = await transaction.Connection!.ExecuteScalarAsync<long>("""
            INSERT INTO race_categories (name, distance_meters, price_minor, currency, capacity, bib_first, bib_last,
                minimum_age, sort_order, is_open)
            VALUES (@Name, @DistanceMeters, @PriceMinor, @Currency, @Capacity, @BibFirst, @BibLast,
                @MinimumAge, @SortOrder, @IsOpen)
            RETURNING id
            """, wanted, transaction);
        await PriceTiers.SaveAsync(transaction, id, tiers, wanted.Currency);
        await AuditLog.WriteAsync(transaction, actor, "category.created", new { id, After = AuditChanges.All(wanted), tiers });
        await transaction.CommitAsync();
        return new Outcome(Result.Done, $"Added {wanted.Name}.");
    });

    /// <summary>Saves an edit opened on <paramref name="version"/>; refused as stale when someone saved the race since.</summary>
    public Task<Outcome> UpdateAsync(long id, long version, Values wanted, IReadOnlyList<PriceTiers.Values> tiers, AuditActor actor) => InTransactionAsync(id, wanted, async transaction =>
    {
        var connection = transaction.Connection!;
        // Tiers before the race: the order a registration takes them in (its tier, then the race's row), so neither waits on the other in a circle.
        await PriceTiers.LockAsync(transaction, id);
        var stored = await connection.ExecuteScalarAsync<DateTime?>(
            "SELECT updated_at FROM race_categories WHERE id = @id FOR UPDATE", new { id }, transaction);
        if (stored is null)
            return new Outcome(Result.NotFound, "");
        if (stored.Value.Ticks != version)
            // Saving it would silently undo the other admin's change.
            return new Outcome(Result.Stale, "Someone else changed this race while you were editing (see the list above). Check the values below and save again to keep yours.",
                stored.Value.Ticks);
        var before = await connection.QuerySingleAsync<Values>(
            $"SELECT {Races.Settings} FROM race_categories c WHERE id = @id", new { id }, transaction);
        var change = AuditChanges.Between(before, wanted);
        var tiersBefore = (await PriceTiers.ListAsync(connection, transaction))[id].Select(t => t.Values).ToList();
        var tiersChanged = !tiersBefore.SequenceEqual(tiers);
        if (change.IsEmpty && !tiersChanged)
            return new Outcome(Result.Done, $"Nothing changed in {before.Name}.");
        if (tiersChanged && await PriceTiers.SaveAsync(transaction, id, tiers, wanted.Currency) is { } refusal)
            return new Outcome(Result.Refused, refusal);
        var bibs = await connection.QuerySingleAsync<(int? Lowest, int? Highest)>(
            "SELECT min(bib), max(bib) FROM participants WHERE category_id = @id AND bib IS NOT NULL", new { id }, transaction);
        if (bibs.Lowest < wanted.BibFirst || bibs.Highest > wanted.BibLast)
            return new Outcome(Result.Refused, $"Runners in {before.Name} already have bibs {bibs.Lowest}–{bibs.Highest}: the range must include them.");
        var parameters = new DynamicParameters(wanted);
        parameters.Add("id", id);
        await connection.ExecuteAsync("""
            UPDATE race_categories
            SET name = @Name, distance_meters = @DistanceMeters, price_minor = @PriceMinor, currency = @Currency,
                capacity = @Capacity, bib_first = @BibFirst, bib_last = @BibLast, minimum_age = @MinimumAge,
                sort_order = @SortOrder, is_open = @IsOpen, updated_at = now()
            WHERE id = @id
            """, parameters, transaction);
        var offered = wanted.Capacity > before.Capacity ? await places.OfferFreePlacesAsync(transaction, id) : 0;
        await AuditLog.WriteAsync(transaction, actor, "category.updated", new
        {
            id, change.Before, change.After, offeredToWaitlist = offered,
            tiersBefore = tiersChanged ? tiersBefore : null, tiersAfter = tiersChanged ? tiers : null,
        });
        await transaction.CommitAsync();
        return new Outcome(Result.Done, $"Saved {wanted.Name}." + (offered > 0 ? $" {offered} place(s) offered to the waiting list." : ""));
    });

    private async Task<Outcome> InTransactionAsync(long? id, Values wanted, Func<NpgsqlTransaction, Task<Outcome>> change)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            return await change(transaction);
        }
        catch (PostgresException e) when (e.ConstraintName is "race_categories_capacity_taken" or "race_categories_bib_ranges_disjoint" or "race_categories_name_key")
        {
            await transaction.RollbackAsync();
            return new Outcome(Result.Refused, await ExplainAsync(connection, e.ConstraintName!, id, wanted));
        }
    }

    /// <summary>What a constraint's refusal means, in the admin's terms, read after the rollback.</summary>
    private static async Task<string> ExplainAsync(NpgsqlConnection connection, string constraint, long? id, Values wanted)
    {
        switch (constraint)
        {
            case "race_categories_capacity_taken":
                var taken = await connection.ExecuteScalarAsync<long>(
                    $"SELECT {Races.PlacesTaken} FROM race_categories c WHERE c.id = @id", new { id });
                return $"{taken} places in {wanted.Name} are taken (registered, paid or offered): the capacity cannot be lower than {taken}.";
            case "race_categories_bib_ranges_disjoint":
                var other = await connection.QueryFirstOrDefaultAsync<(string Name, int BibFirst, int BibLast)>("""
                    SELECT name, bib_first, bib_last FROM race_categories
                    WHERE int4range(bib_first, bib_last, '[]') && int4range(@BibFirst, @BibLast, '[]')
                      AND id IS DISTINCT FROM @id
                    ORDER BY bib_first LIMIT 1
                    """, new { wanted.BibFirst, wanted.BibLast, id });
                return other.Name is null
                    ? $"Bibs {wanted.BibFirst}–{wanted.BibLast} overlap another race's range: each bib belongs to one race."
                    : $"Bibs {wanted.BibFirst}–{wanted.BibLast} overlap the {other.Name} (bibs {other.BibFirst}–{other.BibLast}): each bib belongs to one race.";
            default:
                return $"There is already a race called '{wanted.Name}'.";
        }
    }
}
