using System.Text.Json;
using Dapper;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Registration;

/// <summary>The race list as the registration form asks for it, in the rush's path.</summary>
public sealed class RacesTests : DatabaseTest
{
    [Test]
    public async Task The_registration_form_asks_for_the_lowest_free_slot_by_the_free_slot_index()
    {
        await using var connection = await OpenAsync();
        await TestData.CategoryAsync(connection, "5K", capacity: 20_000, bibFirst: 1, bibLast: 29_999);
        await TestData.CategoryAsync(connection, "10K", capacity: 20_000, bibFirst: 30_000, bibLast: 59_999);
        await connection.ExecuteAsync("ANALYZE category_slots; ANALYZE race_categories");

        var plan = JsonDocument.Parse(await connection.ExecuteScalarAsync<string>(
            "EXPLAIN (FORMAT JSON) " + Races.Query(Races.ForRegistrationForm)) ?? "[]");

        // A count, or EXISTS, reads every free (or, when full, every) slot: bench/FINDINGS.md, scenario 1.
        Assert.That(Nodes(plan.RootElement[0].GetProperty("Plan")).Any(node =>
            node.GetProperty("Node Type").GetString() == "Limit" && node.TryGetProperty("Plans", out var below)
            && below[0].TryGetProperty("Index Name", out var index) && index.GetString() == "category_slots_free"),
            Is.True, plan.RootElement.ToString());
    }

    [Test]
    public async Task A_claim_takes_its_order_from_the_free_slot_index_which_no_other_index_gives()
    {
        await using var connection = await OpenAsync();
        var race = await TestData.CategoryAsync(connection, "5K", capacity: 20_000, bibFirst: 1, bibLast: 29_999);
        await TestData.CategoryAsync(connection, "Fun run", capacity: 100_000, bibFirst: 30_000, bibLast: 199_999);
        // What the bench's rush met: the low slots of one race taken, vacuumed, and statistics dominated by a
        // large empty race ("almost every slot is free"). Ordered by plain slot_no the primary key looked as
        // cheap as the free-slot index, and each claim walked every taken slot (bench/FINDINGS.md).
        await connection.ExecuteAsync("""
            INSERT INTO participants (reference, access_token_hash, category_id, payment_status, full_name, email, phone,
                date_of_birth, gender, tshirt_size, emergency_contact_name, emergency_contact_phone, amount_due_minor,
                currency, waiver_version, waiver_accepted_at)
            SELECT 'TTR-' || lpad(upper(to_hex(n)), 6, '0'), sha256(n::text::bytea), @race, 'PENDING', 'Runner', 'r' || n || '@example.org',
                '+6281234567', '1990-01-01', 'F', 'M', 'Contact', '+6281234567', 2500, 'EUR', 'v1', now()
            FROM generate_series(1, 5000) AS n;
            UPDATE category_slots s SET participant_id = p.id
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM participants) p
            WHERE s.category_id = @race AND s.slot_no = p.n;
            """, new { race });
        await connection.ExecuteAsync("VACUUM ANALYZE category_slots");

        var plan = JsonDocument.Parse(await connection.ExecuteScalarAsync<string>(
            "EXPLAIN (FORMAT JSON) " + FreeSlots.Claim("@race"), new { race }) ?? "[]");

        Assert.That(Nodes(plan.RootElement[0].GetProperty("Plan")).Select(node => node.TryGetProperty("Index Name", out var index) ? index.GetString() : null),
            Does.Contain("category_slots_free"), plan.RootElement.ToString());
        // Which index wins a near tie of costs is the planner's call; what makes it safe is that no other index
        // gives the claim's order: without the free-slot index the claim must sort.
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("DROP INDEX category_slots_free", transaction: transaction);
        var withoutIt = JsonDocument.Parse(await connection.ExecuteScalarAsync<string>(
            "EXPLAIN (FORMAT JSON) " + FreeSlots.Claim("@race"), new { race }, transaction) ?? "[]");
        Assert.That(Nodes(withoutIt.RootElement[0].GetProperty("Plan")).Select(node => node.GetProperty("Node Type").GetString()),
            Does.Contain("Sort"), withoutIt.RootElement.ToString());
    }

    private static IEnumerable<JsonElement> Nodes(JsonElement node) =>
        node.TryGetProperty("Plans", out var children)
            ? children.EnumerateArray().SelectMany(Nodes).Prepend(node)
            : [node];
}
