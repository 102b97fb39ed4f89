using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Registration;

/// <summary>Places (category slots) exist for every race, however it was added.</summary>
public sealed class PlacesTests : DatabaseTest
{
    [Test]
    public async Task A_race_inserted_with_plain_sql_has_exactly_its_capacity_of_free_places()
    {
        await using var connection = await OpenAsync();
        var race = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO race_categories (name, distance_meters, capacity, price_minor, currency, bib_first, bib_last)
            VALUES ('Plain 5K', 5000, 7, 1500, 'EUR', 1, 99) RETURNING id
            """);

        var free = await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM category_slots WHERE category_id = @race AND participant_id IS NULL", new { race });

        Assert.That(free, Is.EqualTo(7));
    }
}
