using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// The races: listed with their places taken and waiting, added, and edited (<c>/admin/categories/ID</c>)
/// through <see cref="RaceCategories"/>, which says why a change is refused.
/// </summary>
public sealed class CategoriesModel(RaceCategories races) : PageModel
{
    [BindProperty] public CategoryForm Form { get; set; } = new();
    public IReadOnlyList<RaceCategories.Row> Categories { get; private set; } = [];
    public long? EditingId { get; private set; }
    public bool CanChange => User.IsInRole(AdminPolicies.Admin);

    public async Task<IActionResult> OnGetAsync(long? id)
    {
        Categories = await races.ListAsync();
        if (id is null)
            return Page();
        var row = Categories.FirstOrDefault(c => c.Id == id);
        if (row is null)
            return NotFound();
        EditingId = id;
        Form = CategoryForm.From(row.Values) with { Version = row.Version };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long? id)
    {
        EditingId = id;
        var wanted = Validate();
        if (wanted is null)
            return await RefuseAsync(StatusCodes.Status400BadRequest);
        var actor = AuditActor.Of(HttpContext);
        var outcome = id is null ? await races.AddAsync(wanted, actor) : await races.UpdateAsync(id.Value, Form.Version, wanted, actor);
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

    private async Task<PageResult> RefuseAsync(int status)
    {
        Response.StatusCode = status;
        Categories = await races.ListAsync();
        return Page();
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

        public static CategoryForm From(RaceCategories.Values category) => new()
        {
            Name = category.Name, DistanceMeters = category.DistanceMeters,
            Price = Money.Amount(category.PriceMinor),
            Currency = category.Currency, Capacity = category.Capacity, BibFirst = category.BibFirst, BibLast = category.BibLast,
            MinimumAge = category.MinimumAge, SortOrder = category.SortOrder, IsOpen = category.IsOpen,
        };
    }
}
