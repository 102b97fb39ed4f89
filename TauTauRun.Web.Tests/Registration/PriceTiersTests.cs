using Dapper;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Registration;

/// <summary>Prices by date and by count: fixed in the registration's transaction, exact under a rush, and never changed for runners already charged.</summary>
public sealed class PriceTiersTests : DatabaseTest
{
    private static readonly AuditActor Admin = new(null, "test admin", null);
    private TestApp app = null!;

    [SetUp]
    public void Start() => app = new TestApp();

    [TearDown]
    public void Stop() => app.Dispose();

    private T Get<T>() where T : notnull => app.Services.GetRequiredService<T>();

    internal static Registrar.NewRunner Runner(long race, string name, string? coupon = null) =>
        new(race, name, $"{name.ToLowerInvariant()}@runners.test", "+31612345678", new DateOnly(1990, 4, 1),
            "F", "M", "Contact Person", "+31687654321", "", "", "2026-1", CouponCode: coupon);

    [Test]
    public async Task A_first_100_tier_sells_exactly_100_places_at_its_price_under_a_rush_of_150()
    {
        long race;
        await using (var connection = await OpenAsync())
        {
            race = await TestData.CategoryAsync(connection, capacity: 200);
            await connection.ExecuteAsync("""
                INSERT INTO price_tiers (category_id, position, name, price_minor, places) VALUES (@race, 1, 'Early bird', 1500, 100)
                """, new { race });
        }
        var registrar = Get<Registrar>();
        // The settings' cache runs out as the rush starts: each registration's email reads them through the
        // registration's own connection, never a second one the busy pool could not give.
        Get<TauTauRun.Web.Data.EventSettingsStore>().Forget();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 150).Select(i =>
            Task.Run(() => registrar.RegisterAsync(Runner(race, $"Rush{i}"), StatusTokens.New(), joinWaitlist: false))));

        Assert.That(outcomes, Has.All.EqualTo(Registrar.Outcome.Registered));
        await using var check = await OpenAsync();
        var prices = (await check.QueryAsync<(long Price, long Runners)>(
            "SELECT amount_due_minor, count(*) FROM participants GROUP BY 1 ORDER BY 1")).ToList();
        Assert.That(prices, Is.EqualTo(new[] { (1500L, 100L), (2500L, 50L) }));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM participants WHERE price_tier_id IS NOT NULL"), Is.EqualTo(100));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM price_tier_slots WHERE participant_id IS NOT NULL"), Is.EqualTo(100));
    }

    [Test]
    public async Task A_tier_whose_date_has_passed_no_longer_prices_a_registration()
    {
        long race;
        await using (var connection = await OpenAsync())
        {
            race = await TestData.CategoryAsync(connection);
            await connection.ExecuteAsync("""
                INSERT INTO price_tiers (category_id, position, name, price_minor, ends_at) VALUES
                    (@race, 1, 'Super early', 1000, now() - interval '1 minute'),
                    (@race, 2, 'Early bird', 2000, now() + interval '1 day')
                """, new { race });
        }

        await Get<Registrar>().RegisterAsync(Runner(race, "Anna"), StatusTokens.New(), joinWaitlist: false);

        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT amount_due_minor FROM participants"), Is.EqualTo(2000));
    }

    [Test]
    public async Task A_tier_edit_that_would_change_what_runners_were_charged_is_refused_and_changes_nothing()
    {
        var races = Get<RaceCategories>();
        var added = await races.AddAsync(new RaceCategories.Values("10K", 10000, 2500, "EUR", 100, 1, 999, 0, 0, true),
            [new PriceTiers.Values(null, "Early bird", 1500, null, 10)], Admin);
        Assert.That(added.Result, Is.EqualTo(RaceCategories.Result.Done), added.Message);
        var race = (await races.ListAsync()).Single();
        await Get<Registrar>().RegisterAsync(Runner(race.Id, "Anna"), StatusTokens.New(), joinWaitlist: false);
        var tier = (await races.TiersAsync())[race.Id].Single();

        var repriced = await races.UpdateAsync(race.Id, race.Version, race.Values, [tier.Values with { PriceMinor = 1800 }], Admin);
        var removed = await races.UpdateAsync(race.Id, race.Version, race.Values, [], Admin);
        var shrunk = await races.UpdateAsync(race.Id, race.Version, race.Values with { Capacity = 90 }, [tier.Values with { Places = null, EndsAt = DateTime.UtcNow.AddDays(1) }], Admin);

        Assert.That(repriced.Result, Is.EqualTo(RaceCategories.Result.Refused));
        Assert.That(repriced.Message, Does.Contain("1 runner registered at the Early bird price (EUR 15.00): its price cannot change"));
        Assert.That(removed.Result, Is.EqualTo(RaceCategories.Result.Refused));
        Assert.That(removed.Message, Does.Contain("that tier cannot be removed"));
        Assert.That(shrunk.Result, Is.EqualTo(RaceCategories.Result.Refused));
        Assert.That(shrunk.Message, Does.Contain("1 runner took Early bird places: it needs at least 1 places"));
        var after = (await races.ListAsync()).Single();
        Assert.That((await races.TiersAsync())[race.Id].Single().Values, Is.EqualTo(tier.Values));
        Assert.That(after.Values, Is.EqualTo(race.Values));
        Assert.That(after.Version, Is.EqualTo(race.Version));
    }

    [Test]
    public async Task A_tier_edit_that_leaves_charged_prices_alone_is_saved_with_the_races_version_check()
    {
        var races = Get<RaceCategories>();
        await races.AddAsync(new RaceCategories.Values("10K", 10000, 2500, "EUR", 100, 1, 999, 0, 0, true),
            [new PriceTiers.Values(null, "Early bird", 1500, null, 10)], Admin);
        var race = (await races.ListAsync()).Single();
        await Get<Registrar>().RegisterAsync(Runner(race.Id, "Anna"), StatusTokens.New(), joinWaitlist: false);
        var tier = (await races.TiersAsync())[race.Id].Single();
        var late = new PriceTiers.Values(null, "Regular", 2000, DateTime.UtcNow.AddDays(30), null);

        var saved = await races.UpdateAsync(race.Id, race.Version, race.Values, [tier.Values with { Places = 20 }, late], Admin);
        var stale = await races.UpdateAsync(race.Id, race.Version, race.Values, [tier.Values], Admin);

        Assert.That(saved.Result, Is.EqualTo(RaceCategories.Result.Done), saved.Message);
        Assert.That(stale.Result, Is.EqualTo(RaceCategories.Result.Stale));
        var tiers = (await races.TiersAsync())[race.Id].ToList();
        Assert.That(tiers.Select(t => (t.Name, t.PriceMinor, t.Places, t.PlacesLeft)),
            Is.EqualTo(new[] { ("Early bird", 1500L, (int?)20, 19L), ("Regular", 2000L, (int?)null, 0L) }));
    }
}
