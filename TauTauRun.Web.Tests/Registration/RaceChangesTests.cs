using Dapper;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Registration;

/// <summary>Moving a registration to another race, against the database: capacity, waiting list, price difference, bib.</summary>
public sealed class RaceChangesTests : DatabaseTest
{
    private static readonly AuditActor Admin = new(null, "test admin", null);
    private TestApp app = null!;

    [SetUp]
    public void Start() => app = new TestApp();

    [TearDown]
    public void Stop() => app.Dispose();

    private T Get<T>() where T : notnull => app.Services.GetRequiredService<T>();

    private async Task<(long Id, string Token)> RegisterAsync(long race, string name, bool joinWaitlist = false)
    {
        var token = StatusTokens.New();
        var outcome = await Get<Registrar>().RegisterAsync(new Registrar.NewRunner(race, name, $"{name.ToLowerInvariant()}@runners.test",
            "+31612345678", new DateOnly(1990, 4, 1), "F", "M", "Contact Person", "+31687654321", "", "", "2026-1"), token, joinWaitlist);
        Assert.That(outcome, Is.AnyOf(Registrar.Outcome.Registered, Registrar.Outcome.Waitlisted));
        await using var connection = await OpenAsync();
        return (await connection.ExecuteScalarAsync<long>("SELECT id FROM participants WHERE access_token_hash = @hash",
            new { hash = StatusTokens.Hash(token) }), token);
    }

    private static async Task<long> RaceAsync(string name, int capacity, long priceMinor, int bibFirst)
    {
        await using var connection = await OpenAsync();
        var id = await TestData.CategoryAsync(connection, name, capacity, bibFirst, bibFirst + 99);
        await connection.ExecuteAsync("UPDATE race_categories SET price_minor = @priceMinor WHERE id = @id", new { priceMinor, id });
        return id;
    }

    private static async Task<long> HoldersAsync(long race)
    {
        await using var connection = await OpenAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM participants WHERE category_id = @race AND payment_status IN ('PENDING', 'PAID', 'OFFERED')", new { race });
    }

    [Test]
    public async Task Changes_and_registrations_racing_for_the_last_place_never_put_a_runner_over_the_cap()
    {
        var tenK = await RaceAsync("10K", capacity: 20, priceMinor: 2500, bibFirst: 100);
        var fiveK = await RaceAsync("5K", capacity: 1, priceMinor: 1500, bibFirst: 500);
        var movers = new List<string>();
        for (var i = 0; i < 8; i++)
            movers.Add((await RegisterAsync(tenK, $"Mover{i}")).Token);
        var changes = Get<RaceChanges>();
        var registrar = Get<Registrar>();

        var moves = movers.Select(token => Task.Run(() => changes.ChangeAsync(HeldPlace.Who.Runner(token, null), fiveK))).ToList();
        var registrations = Enumerable.Range(0, 4).Select(i => Task.Run(() => registrar.RegisterAsync(new Registrar.NewRunner(fiveK,
            $"New{i}", $"new{i}@runners.test", "+31612345678", new DateOnly(1990, 4, 1), "F", "M", "Contact Person", "+31687654321", "", "", "2026-1"),
            StatusTokens.New(), joinWaitlist: false))).ToList();
        await Task.WhenAll(moves);
        await Task.WhenAll(registrations);

        var moved = moves.Count(m => m.Result.Done);
        var registered = registrations.Count(r => r.Result == Registrar.Outcome.Registered);
        Assert.That(moved + registered, Is.EqualTo(1), "exactly the one place was taken");
        Assert.That(await HoldersAsync(fiveK), Is.EqualTo(1));
        Assert.That(await HoldersAsync(tenK), Is.EqualTo(8 - moved), "a runner refused stays where they were");
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM category_slots WHERE participant_id IS NOT NULL"),
            Is.EqualTo(8 + registered), "every holder has exactly one place");
    }

    [Test]
    public async Task A_paid_runner_moving_to_a_cheaper_race_gets_its_bib_a_refund_to_make_and_frees_the_place_for_the_waiting_list()
    {
        var tenK = await RaceAsync("10K", capacity: 1, priceMinor: 2500, bibFirst: 100);
        var fiveK = await RaceAsync("5K", capacity: 5, priceMinor: 1500, bibFirst: 500);
        var anna = await RegisterAsync(tenK, "Anna");
        var bert = await RegisterAsync(tenK, "Bert", joinWaitlist: true);
        await Get<AdminChanges>().MarkPaidAsync(anna.Id, new AdminChanges.Payment(2500, "CASH", null, new DateOnly(2026, 11, 29)), Admin);

        var outcome = await Get<RaceChanges>().ChangeAsync(HeldPlace.Who.Runner(anna.Token, null), fiveK);

        Assert.That(outcome.Done, Is.True, outcome.Message);
        Assert.That(outcome.Message, Does.Contain("a refund of EUR 10.00 is to be made"));
        await using var connection = await OpenAsync();
        Assert.That(await connection.QuerySingleAsync<(long, int, long)>("SELECT category_id, bib, amount_due_minor FROM participants WHERE id = @Id", new { anna.Id }),
            Is.EqualTo((fiveK, 500, 1500L)));
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT payment_status FROM participants WHERE id = @Id", new { bert.Id }), Is.EqualTo("OFFERED"));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT (details->>'refundToMakeMinor')::bigint FROM audit_log WHERE action = 'registration.race_changed'"),
            Is.EqualTo(1000));
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT text_body FROM email_logs WHERE kind = 'RACE_CHANGED'"),
            Does.Contain("EUR 10.00 less than you paid"));
    }

    [Test]
    public async Task A_move_holds_one_place_under_the_plan_that_statistics_of_a_once_large_slot_table_give()
    {
        // Statistics of two 20,000-place races, kept after their rows are gone (what a full test run
        // leaves, or an organiser clearing a big test import): for a race they do not know, the planner
        // rescans the free-slot subquery for each of its slots, and a subquery in FROM gave the runner two.
        await using var connection = await OpenAsync();
        await TestData.CategoryAsync(connection, "Small A", capacity: 1, bibFirst: 60_000, bibLast: 60_000);
        await TestData.CategoryAsync(connection, "Small B", capacity: 1, bibFirst: 60_001, bibLast: 60_001);
        await TestData.CategoryAsync(connection, "Big A", capacity: 20_000, bibFirst: 1, bibLast: 29_999);
        await TestData.CategoryAsync(connection, "Big B", capacity: 20_000, bibFirst: 30_000, bibLast: 59_999);
        await connection.ExecuteAsync("ANALYZE category_slots");
        await TestDatabase.ResetAsync();
        var tenK = await RaceAsync("10K", capacity: 1, priceMinor: 2500, bibFirst: 100);
        var fiveK = await RaceAsync("5K", capacity: 5, priceMinor: 2500, bibFirst: 500);
        var anna = await RegisterAsync(tenK, "Anna");
        var bert = await RegisterAsync(tenK, "Bert", joinWaitlist: true);

        var outcome = await Get<RaceChanges>().ChangeAsync(HeldPlace.Who.Runner(anna.Token, null), fiveK);

        Assert.That(outcome.Done, Is.True, outcome.Message);
        Assert.That(await connection.QueryAsync<(long, int)>("SELECT category_id, slot_no FROM category_slots WHERE participant_id = @Id", new { anna.Id }),
            Is.EqualTo(new[] { (fiveK, 1) }), "Anna holds the 5K's first place and nothing else");
        Assert.That(await connection.ExecuteScalarAsync<long?>("SELECT participant_id FROM category_slots WHERE category_id = @tenK", new { tenK }),
            Is.EqualTo(bert.Id), "the 10K's place was offered to Bert");
    }

    [Test]
    public async Task A_move_into_a_full_race_is_refused_and_the_runner_keeps_their_place()
    {
        var tenK = await RaceAsync("10K", capacity: 5, priceMinor: 2500, bibFirst: 100);
        var fiveK = await RaceAsync("5K", capacity: 1, priceMinor: 1500, bibFirst: 500);
        await RegisterAsync(fiveK, "Carla");
        var anna = await RegisterAsync(tenK, "Anna");

        var outcome = await Get<RaceChanges>().ChangeAsync(HeldPlace.Who.Runner(anna.Token, null), fiveK);

        Assert.That(outcome.Done, Is.False);
        Assert.That(outcome.Message, Does.Contain("full"));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long?>("SELECT category_id FROM category_slots WHERE participant_id = @Id", new { anna.Id }), Is.EqualTo(tenK));
    }
}
