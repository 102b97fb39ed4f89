using Dapper;
using Npgsql;

namespace TauTauRun.Web.Registration;

/// <summary>
/// The race list, in the order the event page shows it, and what each page needs to know of a race
/// (its projection, over <c>race_categories c</c>). The free and taken places are counted in one way
/// each; the registration form only asks whether a race has a free place, by the free-slot index.
/// </summary>
public static class Races
{
    /// <summary>Free places of race <c>c</c>, counted: what the event page and the dashboard show.</summary>
    public const string PlacesLeft =
        "(SELECT count(*) FROM category_slots s WHERE s.category_id = c.id AND s.participant_id IS NULL)";

    /// <summary>Places of race <c>c</c> held by a runner (registered, paid or offered).</summary>
    public const string PlacesTaken =
        "(SELECT count(*) FROM category_slots s WHERE s.category_id = c.id AND s.participant_id IS NOT NULL)";

    /// <summary>
    /// Whether race <c>c</c> has a free place, found as the lowest free slot so the planner walks the
    /// free-slot index (<c>category_slots_free</c>): counted, or as EXISTS, it scanned the whole slot
    /// table whenever a race was full, most of the database's work in a rush (bench/FINDINGS.md).
    /// </summary>
    public const string HasFreePlace = $"""
        (SELECT s.slot_no FROM category_slots s WHERE s.category_id = c.id AND s.participant_id IS NULL
         ORDER BY s.{FreeSlots.Order} LIMIT 1) IS NOT NULL
        """;

    /// <summary>The event page: each race with its price and places left.</summary>
    public const string ForEventPage =
        $"c.id, c.name, c.distance_meters, c.price_minor, c.currency, c.minimum_age, c.is_open, {PlacesLeft} AS places_left";

    /// <summary>The registration form's choice of race; on the rush's path.</summary>
    public const string ForRegistrationForm =
        $"c.id, c.name, c.price_minor, c.currency, c.minimum_age, c.is_open, {HasFreePlace} AS has_free_place";

    /// <summary>A filter's choice of race.</summary>
    public const string Names = "c.id, c.name";

    /// <summary>What an admin sets on a race, in the order of <c>RaceCategories.Values</c>.</summary>
    public const string Settings =
        "c.name, c.distance_meters, c.price_minor, c.currency, c.capacity, c.bib_first, c.bib_last, c.minimum_age, c.sort_order, c.is_open";

    /// <summary>The races page: the settings, the version an edit must match, places taken and runners waiting.</summary>
    public const string ForRacesPage = $"""
        c.id, {Settings}, c.updated_at, {PlacesTaken} AS taken,
        (SELECT count(*) FROM participants p WHERE p.category_id = c.id AND p.payment_status = '{ParticipantStatus.Waitlisted}') AS waiting
        """;

    /// <summary>The races, each as <paramref name="projection"/> over <c>race_categories c</c>; with a <paramref name="join"/>, one row a race.</summary>
    public static string Query(string projection, string join = "") => $"""
        SELECT {projection}
        FROM race_categories c {join}
        {(join.Length == 0 ? "" : "GROUP BY c.id")}
        ORDER BY c.sort_order, c.name
        """;

    public static async Task<IReadOnlyList<T>> ListAsync<T>(NpgsqlConnection connection, string projection, string join = "") =>
        (await connection.QueryAsync<T>(Query(projection, join))).AsList();
}
