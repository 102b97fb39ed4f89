using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// The races: listed with their places taken and waiting, added, and edited (<c>/admin/categories/ID</c>)
/// through <see cref="RaceCategories"/>, which says why a change is refused. The race's price tiers are
/// edited on the same form (times in the event's time zone) and saved with it.
/// </summary>
public sealed class CategoriesModel(RaceCategories races, EventSettingsStore settingsStore) : PageModel
{
    [BindProperty] public CategoryForm Form { get; set; } = new();
    public IReadOnlyList<RaceCategories.Row> Categories { get; private set; } = [];
    public ILookup<long, PriceTiers.Tier> Tiers { get; private set; } = Enumerable.Empty<PriceTiers.Tier>().ToLookup(t => t.CategoryId);
    public EventSettings Event { get; private set; } = new();
    public long? EditingId { get; private set; }
    public bool CanChange => User.IsInRole(AdminPolicies.Admin);

    public async Task<IActionResult> OnGetAsync(long? id)
    {
        await LoadAsync();
        if (id is null)
        {
            AddEmptyTierRows();
            return Page();
        }
        var row = Categories.FirstOrDefault(c => c.Id == id);
        if (row is null)
            return NotFound();
        EditingId = id;
        Form = CategoryForm.From(row.Values) with
        {
            Version = row.Version,
            Tiers = Tiers[row.Id].Select(t => new TierForm
            {
                Id = t.Id, Name = t.Name, Price = Money.Amount(t.PriceMinor), EndsAt = t.EndsAt is { } ends ? Event.Local(ends) : null, Places = t.Places,
            }).ToList(),
        };
        AddEmptyTierRows();
        return Page();
    }

    /// <summary>The tier rows the form shows: the race's tiers and empty rows for new ones, up to the limit.</summary>
    private void AddEmptyTierRows() => Form = Form with
    {
        Tiers = Form.Tiers.Take(PriceTiers.MaxTiers).Concat(Enumerable.Repeat(new TierForm(), PriceTiers.MaxTiers))
            .Take(Math.Min(PriceTiers.MaxTiers, Math.Max(Form.Tiers.Count + 2, 3))).ToList(),
    };

    /// <summary>A tier as the races list shows it.</summary>
    public string Describe(PriceTiers.Tier tier, string currency) =>
        $"{tier.Name} {Money.Format(tier.PriceMinor, currency)}" +
        (tier.EndsAt is { } ends ? $" until {Event.Local(ends):yyyy-MM-dd HH:mm}" : "") +
        (tier.Places is { } places ? $", {tier.PlacesLeft} of {places} left" : "");

    private async Task LoadAsync()
    {
        Event = await settingsStore.LoadAsync();
        Categories = await races.ListAsync();
        Tiers = await races.TiersAsync();
    }

    public async Task<IActionResult> OnPostAsync(long? id)
    {
        EditingId = id;
        Event = await settingsStore.LoadAsync();
        var wanted = Validate();
        var tiers = ValidateTiers();
        if (wanted is null || tiers is null)
            return await RefuseAsync(StatusCodes.Status400BadRequest);
        var actor = AuditActor.Of(HttpContext);
        var outcome = id is null ? await races.AddAsync(wanted, tiers, actor) : await races.UpdateAsync(id.Value, Form.Version, wanted, tiers, actor);
        switch (outcome.Result)
        {
            case RaceCategories.Result.Done:
                TempData["Message"] = outcome.Message;
                return RedirectToPage(new { id = (long?)null });
            case RaceCategories.Result.NotFound:
                return NotFound();
            case RaceCategories.Result.Stale:
                // The form now carries the stored version: sent again, it wins.
                ModelState.Remove("Form.Version");
                Form = Form with { Version = outcome.Version };
                break;
        }
        ModelState.AddModelError("", outcome.Message);
        return await RefuseAsync(StatusCodes.Status409Conflict);
    }

    /// <summary>The stored shape of the form, or null with messages added.</summary>
    private RaceCategories.Values? Validate()
    {
        var price = Money.ParseMinor(Form.Price);
        if (Form.Price is not null && price is null)
            ModelState.AddModelError("Form.Price", "Enter the price like 25 or 25.50: no minus sign, at most two decimals.");
        if (Form.BibFirst is { } first && Form.BibLast is { } last)
        {
            if (last < first)
                ModelState.AddModelError("Form.BibLast", "The last bib must not be below the first.");
            else if (Form.Capacity > (long)last - first + 1)
                ModelState.AddModelError("Form.Capacity", $"The bib range {first}–{last} has {(long)last - first + 1} numbers, fewer than the capacity: every runner needs a bib.");
        }
        if (!ModelState.IsValid)
            return null;
        return new RaceCategories.Values(Form.Name!.Trim(), Form.DistanceMeters!.Value, price!.Value, Form.Currency!.Trim(), Form.Capacity!.Value,
            Form.BibFirst!.Value, Form.BibLast!.Value, Form.MinimumAge ?? 0, Form.SortOrder ?? 0, Form.IsOpen);
    }

    /// <summary>The tiers as stored (rows left empty dropped), or null with messages added beside their fields.</summary>
    private List<PriceTiers.Values>? ValidateTiers()
    {
        var tiers = new List<PriceTiers.Values>();
        var valid = true;
        foreach (var (tier, i) in Form.Tiers.Take(PriceTiers.MaxTiers).Select((t, i) => (t, i)))
        {
            if (tier.IsEmpty)
                continue; // an emptied row removes its tier
            var key = $"Form.Tiers[{i}].";
            var price = Money.ParseMinor(tier.Price);
            if (string.IsNullOrWhiteSpace(tier.Name) || tier.Name.Trim().Length > 50 || tier.Name.Any(char.IsControl))
                Refuse(key + nameof(TierForm.Name), "Name the tier (up to 50 characters), e.g. Early bird.");
            if (price is null)
                Refuse(key + nameof(TierForm.Price), "Enter the tier's price like 20 or 20.50: no minus sign, at most two decimals.");
            if (tier.EndsAt is null && tier.Places is null)
                Refuse(key + nameof(TierForm.EndsAt), "Give the tier an end: a date, a number of places, or both.");
            var endsAt = tier.EndsAt is { } local ? Utc(key + nameof(TierForm.EndsAt), local) : null;
            if (valid && ModelState.IsValid)
                tiers.Add(new PriceTiers.Values(tier.Id, tier.Name!.Trim(), price!.Value, endsAt, tier.Places));
        }
        return valid && ModelState.IsValid ? tiers : null;

        void Refuse(string key, string message)
        {
            valid = false;
            ModelState.AddModelError(key, message);
        }
    }

    /// <summary>A wall-clock time in the event's zone as UTC; a time the clocks skip does not exist.</summary>
    private DateTime? Utc(string key, DateTime local)
    {
        var wallClock = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (!Event.Zone.IsInvalidTime(wallClock))
            return TimeZoneInfo.ConvertTimeToUtc(wallClock, Event.Zone);
        ModelState.AddModelError(key, $"{wallClock:yyyy-MM-dd HH:mm} does not exist in {Event.TimeZone}: the clocks skip that hour.");
        return null;
    }

    private async Task<PageResult> RefuseAsync(int status)
    {
        Response.StatusCode = status;
        await LoadAsync();
        AddEmptyTierRows();
        return Page();
    }

    /// <summary>One price tier's row; all empty means no tier.</summary>
    public sealed record TierForm
    {
        public long? Id { get; init; }

        [Display(Name = "Tier name")]
        public string? Name { get; init; }

        [Display(Name = "Tier price")]
        public string? Price { get; init; }

        [Display(Name = "Until (event time)")]
        public DateTime? EndsAt { get; init; }

        [Display(Name = "For the first N places")]
        [Range(1, 100_000, ErrorMessage = "A tier has 1 to 100,000 places.")]
        public int? Places { get; init; }

        public bool IsEmpty => string.IsNullOrWhiteSpace(Name) && string.IsNullOrWhiteSpace(Price) && EndsAt is null && Places is null;
    }

    public sealed record CategoryForm
    {
        [Required(ErrorMessage = "Enter the race's name.")]
        [StringLength(100, ErrorMessage = "Keep the name to 100 characters.")]
        public string? Name { get; init; }

        [Display(Name = "Distance (metres)")]
        [Required(ErrorMessage = "Enter the distance in metres, e.g. 10000.")]
        [Range(1, 1_000_000, ErrorMessage = "The distance is 1 to 1,000,000 metres.")]
        public int? DistanceMeters { get; init; }

        [Required(ErrorMessage = "Enter the price, e.g. 25.00.")]
        public string? Price { get; init; }

        [Required(ErrorMessage = "Enter the currency, e.g. EUR.")]
        [RegularExpression("^[A-Z]{3}$", ErrorMessage = "The currency is three capital letters, e.g. EUR.")]
        public string? Currency { get; init; } = "EUR";

        [Display(Name = "Capacity (places)")]
        [Required(ErrorMessage = "Enter how many runners can take part.")]
        [Range(0, 100_000, ErrorMessage = "The capacity is 0 to 100,000 places.")]
        public int? Capacity { get; init; }

        [Display(Name = "First bib")]
        [Required(ErrorMessage = "Enter the first bib number.")]
        [Range(1, int.MaxValue, ErrorMessage = "Bib numbers start at 1.")]
        public int? BibFirst { get; init; }

        [Display(Name = "Last bib")]
        [Required(ErrorMessage = "Enter the last bib number.")]
        [Range(1, int.MaxValue, ErrorMessage = "Bib numbers start at 1.")]
        public int? BibLast { get; init; }

        [Display(Name = "Minimum age on race day")]
        [Range(0, 120, ErrorMessage = "The minimum age is 0 to 120.")]
        public int? MinimumAge { get; init; }

        [Display(Name = "Order on the event page")]
        [Range(-10_000, 10_000, ErrorMessage = "The order is a number from -10000 to 10000.")]
        public int? SortOrder { get; init; }

        [Display(Name = "Open for registration")]
        public bool IsOpen { get; init; } = true;

        /// <summary>The stored race's version this form was filled from (its updated_at, in ticks); 0 when adding.</summary>
        public long Version { get; init; }

        public List<TierForm> Tiers { get; init; } = [];

        public static CategoryForm From(RaceCategories.Values category) => new()
        {
            Name = category.Name, DistanceMeters = category.DistanceMeters,
            Price = Money.Amount(category.PriceMinor),
            Currency = category.Currency, Capacity = category.Capacity, BibFirst = category.BibFirst, BibLast = category.BibLast,
            MinimumAge = category.MinimumAge, SortOrder = category.SortOrder, IsOpen = category.IsOpen,
        };
    }
}
