using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Coupon codes with their uses, a coupon added with a chosen code, and single-use codes generated in
/// bulk for a sponsor, answered as a CSV download. Admins only: a code is money.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class CouponsModel(Coupons coupons, RaceCategories races, EventSettingsStore settingsStore) : PageModel
{
    [BindProperty] public CouponForm Form { get; set; } = new();
    public IReadOnlyList<Coupons.Row> List { get; private set; } = [];
    public IReadOnlyList<RaceCategories.Row> Races { get; private set; } = [];
    public EventSettings Event { get; private set; } = new();

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAddAsync()
    {
        await LoadAsync();
        var code = Coupons.Normalize(Form.Code);
        if (code is null || !Coupons.IsWellFormed(code))
            ModelState.AddModelError("Form.Code", "A code is 3 to 32 letters, digits or hyphens, e.g. SPONSOR-2027.");
        if (Validate() is not { } values || code is null)
            return Refuse(StatusCodes.Status400BadRequest);
        if (!await coupons.CreateAsync(code, values, AuditActor.Of(HttpContext)))
        {
            ModelState.AddModelError("Form.Code", $"There is already a coupon {code}.");
            return Refuse(StatusCodes.Status409Conflict);
        }
        TempData["Message"] = $"Added coupon {code}.";
        return RedirectToPage();
    }

    /// <summary>Makes the single-use codes and answers with them as CSV, the file a sponsor hands out.</summary>
    public async Task<IActionResult> OnPostGenerateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync();
        var prefix = Coupons.Normalize(Form.Prefix);
        if (Form.Count is null)
            ModelState.AddModelError("Form.Count", $"Enter how many codes to make (1 to {Coupons.MaxBulk}).");
        if (prefix is null || !System.Text.RegularExpressions.Regex.IsMatch(prefix, "^[A-Z0-9]{1,16}$"))
            ModelState.AddModelError("Form.Prefix", "The prefix is 1 to 16 letters or digits, e.g. the sponsor's name.");
        if (Validate() is not { } values || prefix is null || Form.Count is not { } count)
            return Refuse(StatusCodes.Status400BadRequest);
        var codes = await coupons.GenerateAsync(count, prefix, values, AuditActor.Of(HttpContext));
        await CsvExport.WriteAsync(Response, $"coupons-{prefix.ToLowerInvariant()}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv",
            ["code", "discount", "valid_from", "valid_until", "note"], codes.ToAsyncEnumerable(),
            code => [code, Discount(values), Local(values.ValidFrom), Local(values.ValidUntil), values.Note], cancellationToken);
        return new EmptyResult();
    }

    public string Local(DateTime? utc) => utc is { } value ? Event.Local(value).ToString("yyyy-MM-dd HH:mm") : "";

    private static string Discount(Coupons.Values values) =>
        values.PercentOff is { } percent ? $"{percent}%" : Money.Format(values.AmountOffMinor!.Value, values.Currency!);

    /// <summary>The discount, limit, window and races as stored, or null with messages beside the fields.</summary>
    private Coupons.Values? Validate()
    {
        var amount = string.IsNullOrWhiteSpace(Form.AmountOff) ? null : Money.ParseMinor(Form.AmountOff);
        if (!string.IsNullOrWhiteSpace(Form.AmountOff) && amount is not > 0)
            ModelState.AddModelError("Form.AmountOff", "Enter the amount off like 10 or 10.50, above zero.");
        if ((Form.PercentOff is null) == string.IsNullOrWhiteSpace(Form.AmountOff))
            ModelState.AddModelError("Form.PercentOff", "Give either a percentage off or an amount off (not both).");
        var from = Utc("Form.ValidFrom", Form.ValidFrom);
        var until = Utc("Form.ValidUntil", Form.ValidUntil);
        if (from is not null && until <= from)
            ModelState.AddModelError("Form.ValidUntil", "The end of the validity must come after its start.");
        var raceIds = Form.RaceIds.Distinct().ToArray();
        if (raceIds.Any(id => Races.All(r => r.Id != id)))
            ModelState.AddModelError("Form.RaceIds", "Choose races from the list.");
        if (!ModelState.IsValid)
            return null;
        return new Coupons.Values(Form.PercentOff, amount, amount is null ? null : Form.Currency!.Trim(), Form.MaxUses ?? 1, from, until,
            Form.Note?.Trim() ?? "", raceIds);
    }

    private DateTime? Utc(string key, DateTime? local)
    {
        if (local is not { } value)
            return null;
        var wallClock = DateTime.SpecifyKind(value, DateTimeKind.Unspecified);
        if (!Event.Zone.IsInvalidTime(wallClock))
            return TimeZoneInfo.ConvertTimeToUtc(wallClock, Event.Zone);
        ModelState.AddModelError(key, $"{wallClock:yyyy-MM-dd HH:mm} does not exist in {Event.TimeZone}: the clocks skip that hour.");
        return null;
    }

    private async Task LoadAsync()
    {
        Event = await settingsStore.LoadAsync();
        Races = await races.ListAsync();
        List = await coupons.ListAsync();
    }

    private PageResult Refuse(int status)
    {
        Response.StatusCode = status;
        return Page();
    }

    public sealed record CouponForm
    {
        [Display(Name = "Code (for one coupon)")]
        public string? Code { get; init; }

        [Display(Name = "Percentage off")]
        [Range(1, 100, ErrorMessage = "The percentage is 1 to 100 (100: a free entry).")]
        public int? PercentOff { get; init; }

        [Display(Name = "or amount off")]
        public string? AmountOff { get; init; }

        [Display(Name = "Currency of the amount")]
        [RegularExpression("^[A-Z]{3}$", ErrorMessage = "The currency is three capital letters, e.g. EUR.")]
        public string? Currency { get; init; } = "EUR";

        [Display(Name = "Uses (for one coupon)")]
        [Range(1, 1_000_000, ErrorMessage = "A coupon can be used 1 to 1,000,000 times.")]
        public int? MaxUses { get; init; } = 1;

        [Display(Name = "Valid from (event time, optional)")]
        public DateTime? ValidFrom { get; init; }

        [Display(Name = "Valid until (event time, optional)")]
        public DateTime? ValidUntil { get; init; }

        [Display(Name = "Note (e.g. the sponsor)")]
        [StringLength(200, ErrorMessage = "Keep the note to 200 characters.")]
        public string? Note { get; init; }

        /// <summary>The races it is for; none ticked: every race.</summary>
        [Display(Name = "Races")]
        public long[] RaceIds { get; init; } = [];

        [Display(Name = "How many single-use codes")]
        [Range(1, Coupons.MaxBulk, ErrorMessage = "Make 1 to 5000 codes at a time.")]
        public int? Count { get; init; }

        [Display(Name = "Prefix of the codes")]
        public string? Prefix { get; init; }
    }
}
