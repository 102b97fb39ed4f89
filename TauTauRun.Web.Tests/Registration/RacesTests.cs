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

    private static IEnumerable<JsonElement> Nodes(JsonElement node) =>
        node.TryGetProperty("Plans", out var children)
            ? children.EnumerateArray().SelectMany(Nodes).Prepend(node)
            : [node];
}
