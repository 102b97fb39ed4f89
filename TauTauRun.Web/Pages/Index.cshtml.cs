using Dapper;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Localization;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages;

/// <summary>The event page: what, when, where, each race with its price and places left.</summary>
public sealed class HomeModel(NpgsqlDataSource dataSource, EventSettingsStore settings) : PageModel
{
    public EventSettings Event { get; private set; } = new();
    public IReadOnlyList<Category> Categories { get; private set; } = [];
    public RegistrationWindow Window { get; private set; }

    public enum RegistrationWindow { NotYetOpen, Open, Closed }

    public async Task OnGetAsync()
    {
        Event = await settings.LoadAsync();
        var now = DateTime.UtcNow;
        Window = now < Event.RegistrationOpensAt ? RegistrationWindow.NotYetOpen
            : now < Event.RegistrationClosesAt ? RegistrationWindow.Open
            : RegistrationWindow.Closed;
        await using var connection = await dataSource.OpenConnectionAsync();
        Categories = await Races.ListAsync<Category>(connection, Races.ForEventPage);
        var tiers = await PriceTiers.ListAsync(connection);
        Prices = Categories.ToDictionary(c => c.Id, c => PriceTiers.Current(tiers[c.Id], c.PriceMinor, now));
    }

    /// <summary>Each race's price now (its tier, if one applies).</summary>
    public IReadOnlyDictionary<long, PriceTiers.PriceNow> Prices { get; private set; } = new Dictionary<long, PriceTiers.PriceNow>();

    public string Price(Category category) => Money.Format(Prices[category.Id].PriceMinor, category.Currency);

    public string? PriceChange(Category category) => PriceTiers.WhenItChanges(Prices[category.Id], category.Currency, Event.Local);

    public sealed record Category(long Id, string Name, int DistanceMeters, long PriceMinor, string Currency, int MinimumAge, bool IsOpen, long PlacesLeft)
    {
        public string Distance => (DistanceMeters / 1000.0).ToString("0.# 'km'", Languages.Formatting);
        public string Availability => !IsOpen ? RunnerText.Get("Race.Closed") : PlacesLeft == 0 ? RunnerText.Get("Race.SoldOut") : RunnerText.Get("Race.PlacesLeft", PlacesLeft);
    }
}
