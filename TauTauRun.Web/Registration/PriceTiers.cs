using Dapper;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Registration;

/// <summary>
/// A race's price tiers: in order, each applies until its date passes or its places run out (whichever
/// comes first), then the next; after the last, the race's own price. The price is fixed when a runner
/// registers, in the registration's transaction (<see cref="ClaimAsync"/>); a tier already charged keeps
/// its price, and its places cannot drop below those taken (<see cref="SaveAsync"/>).
/// </summary>
public static class PriceTiers
{
    public const int MaxTiers = 5;

    /// <summary>A tier as an admin sets it; <see cref="Id"/> is null for a new one.</summary>
    public sealed record Values(long? Id, string Name, long PriceMinor, DateTime? EndsAt, int? Places);

    /// <summary>A stored tier with its places left (0 when it has no count).</summary>
    public sealed record Tier(long Id, long CategoryId, string Name, long PriceMinor, DateTime? EndsAt, int? Places, long PlacesLeft)
    {
        public Values Values => new(Id, Name, PriceMinor, EndsAt, Places);
        public bool AppliesAt(DateTime now) => (EndsAt is null || EndsAt > now) && (Places is null || PlacesLeft > 0);
    }

    /// <summary>What a race costs now: the tier that applies (none: the race's own price) and the price after it.</summary>
    public sealed record PriceNow(long PriceMinor, Tier? Tier, long? NextPriceMinor);

    /// <summary>The price a runner registering at <paramref name="now"/> is quoted (the claim decides under concurrency).</summary>
    public static PriceNow Current(IEnumerable<Tier> tiers, long racePriceMinor, DateTime now)
    {
        var open = tiers.Where(t => t.AppliesAt(now)).ToList();
        return open.Count == 0
            ? new PriceNow(racePriceMinor, null, null)
            : new PriceNow(open[0].PriceMinor, open[0], open.Count > 1 ? open[1].PriceMinor : racePriceMinor);
    }

    /// <summary>For runners: which price applies now and when it changes ("Early bird price until …; then EUR 25.00"), or null without a tier.</summary>
    public static string? WhenItChanges(PriceNow price, string currency, Func<DateTime, DateTime> local)
    {
        if (price.Tier is not { } tier)
            return null;
        var until = new List<string>();
        if (tier.EndsAt is { } ends)
            until.Add(RunnerText.Get("Price.Until", RunnerText.DateAndTime(local(ends))));
        if (tier.Places is not null)
            until.Add(RunnerText.Get("Price.WhilePlacesLast", tier.PlacesLeft));
        return RunnerText.Get("Price.WhenItChanges", tier.Name, string.Join(RunnerText.Get("Price.Or"), until), Money.Format(price.NextPriceMinor!.Value, currency));
    }

    /// <summary>Every race's tiers in order, with places left: for the event page, the form and the races page.</summary>
    public static async Task<ILookup<long, Tier>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction = null) =>
        ToLookup(await connection.QueryAsync<Tier>(Query, transaction: transaction));

    /// <summary>Every race's tiers with their places left, in each race's order (read by <see cref="ToLookup"/>).</summary>
    public const string Query = """
        SELECT t.id, t.category_id, t.name, t.price_minor, t.ends_at, t.places,
               (SELECT count(*) FROM price_tier_slots s WHERE s.tier_id = t.id AND s.participant_id IS NULL) AS places_left
        FROM price_tiers t
        ORDER BY t.category_id, t.position, t.id
        """;

    public static ILookup<long, Tier> ToLookup(IEnumerable<Tier> tiers) => tiers.ToLookup(t => t.CategoryId);

    /// <summary>The tier that prices a registration now, with the tier place it took (if the tier counts places).</summary>
    public sealed record Claim(long? TierId, int? SlotNo, long? PriceMinor);

    /// <summary>
    /// Picks the first tier that applies and, for a "first N" tier, locks one of its free places
    /// (<c>SKIP LOCKED</c>: runners in flight take different ones, so exactly N are sold at its price);
    /// the caller's insert writes the runner into it. The tiers are read <c>FOR KEY SHARE</c>, so an
    /// admin's edit (which locks them <c>FOR UPDATE</c>) waits for this registration, and this one sees
    /// the edit's values if it committed first.
    /// </summary>
    public static async Task<Claim> ClaimAsync(NpgsqlTransaction transaction, long categoryId)
    {
        var connection = transaction.Connection!;
        var tiers = await connection.QueryAsync<(long Id, long PriceMinor, int? Places)>("""
            SELECT id, price_minor, places FROM price_tiers
            WHERE category_id = @categoryId AND (ends_at IS NULL OR ends_at > now())
            ORDER BY position, id
            FOR KEY SHARE
            """, new { categoryId }, transaction);
        foreach (var tier in tiers)
        {
            if (tier.Places is null)
                return new Claim(tier.Id, null, tier.PriceMinor);
            var slot = await connection.ExecuteScalarAsync<int?>($"""
                SELECT slot_no FROM price_tier_slots
                WHERE tier_id = @Id AND participant_id IS NULL
                ORDER BY {FreeSlots.Order} LIMIT 1 FOR UPDATE SKIP LOCKED
                """, new { tier.Id }, transaction);
            if (slot is not null)
                return new Claim(tier.Id, slot, tier.PriceMinor);
        }
        return new Claim(null, null, null);
    }

    /// <summary>Locks a race's tiers for an edit: registrations pricing themselves by them wait, and it waits for those in flight.</summary>
    public static Task LockAsync(NpgsqlTransaction transaction, long categoryId) =>
        transaction.Connection!.ExecuteAsync(
            "SELECT id FROM price_tiers WHERE category_id = @categoryId ORDER BY id FOR UPDATE", new { categoryId }, transaction);

    /// <summary>
    /// Replaces a race's tiers with <paramref name="wanted"/> (in order) inside the caller's transaction,
    /// which holds the race's row. Returns why not, in the admin's words, when the change would alter
    /// what runners were already charged: a charged tier's price changed or the tier removed, or its
    /// places below those taken.
    /// </summary>
    public static async Task<string?> SaveAsync(NpgsqlTransaction transaction, long categoryId, IReadOnlyList<Values> wanted, string currency)
    {
        var connection = transaction.Connection!;
        var stored = (await connection.QueryAsync<(long Id, string Name, long PriceMinor, int? Places, long Charged, long Taken)>("""
            SELECT t.id, t.name, t.price_minor, t.places,
                   (SELECT count(*) FROM participants p WHERE p.price_tier_id = t.id) AS charged,
                   (SELECT count(*) FROM price_tier_slots s WHERE s.tier_id = t.id AND s.participant_id IS NOT NULL) AS taken
            FROM price_tiers t WHERE t.category_id = @categoryId
            ORDER BY t.id
            FOR UPDATE OF t
            """, new { categoryId }, transaction)).ToList();
        foreach (var tier in stored)
        {
            var kept = wanted.FirstOrDefault(w => w.Id == tier.Id);
            if (kept is null && tier.Charged > 0)
                return $"{Runners(tier.Charged)} registered at the {tier.Name} price ({Money.Format(tier.PriceMinor, currency)}): that tier cannot be removed. Give it an end date in the past instead.";
            if (kept is not null && kept.PriceMinor != tier.PriceMinor && tier.Charged > 0)
                return $"{Runners(tier.Charged)} registered at the {tier.Name} price ({Money.Format(tier.PriceMinor, currency)}): its price cannot change. Add a new tier for the new price.";
            if (kept is not null && (kept.Places ?? 0) < tier.Taken)
                return $"{Runners(tier.Taken)} took {tier.Name} places: it needs at least {tier.Taken} places.";
        }
        if (wanted.Any(w => w.Id is { } id && stored.All(s => s.Id != id)))
            return "A tier on this form no longer exists (someone removed it): reload the page.";

        await connection.ExecuteAsync("DELETE FROM price_tiers WHERE category_id = @categoryId AND NOT (id = ANY(@kept))",
            new { categoryId, kept = wanted.Where(w => w.Id is not null).Select(w => w.Id!.Value).ToArray() }, transaction);
        foreach (var (tier, position) in wanted.Select((t, i) => (t, i + 1)))
            await connection.ExecuteAsync(tier.Id is null
                ? """
                  INSERT INTO price_tiers (category_id, position, name, price_minor, ends_at, places)
                  VALUES (@categoryId, @position, @Name, @PriceMinor, @EndsAt, @Places)
                  """
                : """
                  UPDATE price_tiers SET position = @position, name = @Name, price_minor = @PriceMinor, ends_at = @EndsAt, places = @Places
                  WHERE id = @Id AND category_id = @categoryId
                  """,
                new { categoryId, position, tier.Id, tier.Name, tier.PriceMinor, tier.EndsAt, tier.Places }, transaction);
        return null;
    }

    private static string Runners(long count) => count == 1 ? "1 runner" : $"{count} runners";
}
