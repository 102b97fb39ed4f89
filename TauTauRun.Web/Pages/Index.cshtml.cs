using Dapper;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Pages;

public sealed class IndexModel(NpgsqlDataSource dataSource, EventSettingsStore settings) : PageModel
{
    public EventSettings Event { get; private set; } = new();
    public IReadOnlyList<Category> Categories { get; private set; } = [];

    public async Task OnGetAsync()
    {
        Event = await settings.LoadAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        Categories = (await connection.QueryAsync<Category>("""
            SELECT name, distance_meters, price_minor, currency
            FROM race_categories
            ORDER BY sort_order, name
            """)).AsList();
    }

    public sealed record Category(string Name, int DistanceMeters, long PriceMinor, string Currency)
    {
        public string Price => Money.Format(PriceMinor, Currency);
        public string Distance => $"{DistanceMeters / 1000.0:0.#} km";
    }
}
