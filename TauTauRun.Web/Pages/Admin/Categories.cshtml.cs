using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// The races: listed with their places taken and waiting, added, and edited (<c>/admin/categories/ID</c>).
/// The database guards what matters under concurrency (the slot trigger refuses a capacity below the
/// places taken, the exclusion constraint refuses overlapping bib ranges); this page turns its refusals
/// into messages. A raised capacity is offered to the waiting list in the same transaction.
/// </summary>
public sealed class CategoriesModel(NpgsqlDataSource dataSource, Places places) : PageModel
{
    [BindProperty] public CategoryForm Form { get; set; } = new();
    public IReadOnlyList<Row> Categories { get; private set; } = [];
    public long? EditingId { get; private set; }
    public bool CanChange => User.IsInRole(AdminPolicies.Admin);

    public async Task<IActionResult> OnGetAsync(long? id)
    {
        await LoadAsync();
        if (id is null)
            return Page();
        var row = Categories.FirstOrDefault(c => c.Id == id);
        if (row is null)
            return NotFound();
        EditingId = id;
        Form = CategoryForm.From(row.Values) with { Version = row.UpdatedAt.Ticks };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long? id)
    {
        EditingId = id;
        var wanted = Validate();
        if (wanted is null)
            return await RefuseAsync(StatusCodes.Status400BadRequest);

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            if (id is null)
                return await AddAsync(transaction, wanted);
            var version = await connection.ExecuteScalarAsync<DateTime?>(
                "SELECT updated_at FROM race_categories WHERE id = @id FOR UPDATE", new { id }, transaction);
            if (version is null)
                return NotFound();
            if (version.Value.Ticks != Form.Version)
            {
                // Someone saved this race since the form was opened: saving it would silently undo their change.
                ModelState.Remove("Form.Version");
                Form = Form with { Version = version.Value.Ticks };
                ModelState.AddModelError("", "Someone else changed this race while you were editing (see the list above). Check the values below and save again to keep yours.");
                return await RefuseAsync(StatusCodes.Status409Conflict);
            }
            var before = await connection.QuerySingleAsync<Values>(
                $"SELECT {Columns} FROM race_categories WHERE id = @id", new { id }, transaction);
            return await UpdateAsync(transaction, id.Value, before, wanted);
        }
        catch (PostgresException e) when (e.ConstraintName is "race_categories_capacity_taken" or "race_categories_bib_ranges_disjoint" or "race_categories_name_key")
        {
            await transaction.RollbackAsync();
            ModelState.AddModelError("", await ExplainAsync(connection, e.ConstraintName!, id, wanted));
            return await RefuseAsync(StatusCodes.Status409Conflict);
        }
    }

    private async Task<IActionResult> AddAsync(NpgsqlTransaction transaction, Values wanted)
    {
        var id = await transaction.Connection!.ExecuteScalarAsync<long>("""
            INSERT INTO race_categories (name, distance_meters, price_minor, currency, capacity, bib_first, bib_last,
                minimum_age, sort_order, is_open)
            VALUES (@Name, @DistanceMeters, @PriceMinor, @Currency, @Capacity, @BibFirst, @BibLast,
                @MinimumAge, @SortOrder, @IsOpen)
            RETURNING id
            """, wanted, transaction);
        await AuditLog.WriteAsync(transaction, AuditActor.Of(HttpContext), "category.created",
            new { id, After = AuditChanges.All(wanted) });
        await transaction.CommitAsync();
        TempData["Message"] = $"Added {wanted.Name}.";
        return RedirectToPage(new { id = (long?)null });
    }

    private async Task<IActionResult> UpdateAsync(NpgsqlTransaction transaction, long id, Values before, Values wanted)
    {
        var connection = transaction.Connection!;
        var change = AuditChanges.Between(before, wanted);
        if (change.IsEmpty)
        {
            TempData["Message"] = $"Nothing changed in {before.Name}.";
            return RedirectToPage(new { id = (long?)null });
        }
        var bibs = await connection.QuerySingleAsync<(int? Lowest, int? Highest)>("""
            SELECT min(bib), max(bib) FROM participants WHERE category_id = @id AND bib IS NOT NULL
            """, new { id }, transaction);
        if (bibs.Lowest < wanted.BibFirst || bibs.Highest > wanted.BibLast)
        {
            ModelState.AddModelError("", $"Runners in {before.Name} already have bibs {bibs.Lowest}–{bibs.Highest}: the range must include them.");
            return await RefuseAsync(StatusCodes.Status409Conflict);
        }
        var updated = await connection.ExecuteAsync("""
            UPDATE race_categories
            SET name = @Name, distance_meters = @DistanceMeters, price_minor = @PriceMinor, currency = @Currency,
                capacity = @Capacity, bib_first = @BibFirst, bib_last = @BibLast, minimum_age = @MinimumAge,
                sort_order = @SortOrder, is_open = @IsOpen, updated_at = now()
            WHERE id = @id
            """, Parameters(wanted, id), transaction);
        if (updated != 1)
            return NotFound();
        var offered = wanted.Capacity > before.Capacity ? await places.OfferFreePlacesAsync(transaction, id) : 0;
        await AuditLog.WriteAsync(transaction, AuditActor.Of(HttpContext), "category.updated",
            new { id, change.Before, change.After, offeredToWaitlist = offered });
        await transaction.CommitAsync();
        TempData["Message"] = $"Saved {wanted.Name}." + (offered > 0 ? $" {offered} place(s) offered to the waiting list." : "");
        return RedirectToPage(new { id = (long?)null });
    }

    /// <summary>What a constraint's refusal means, in the admin's terms, read after the rollback.</summary>
    private static async Task<string> ExplainAsync(NpgsqlConnection connection, string constraint, long? id, Values wanted)
    {
        switch (constraint)
        {
            case "race_categories_capacity_taken":
                var taken = await connection.ExecuteScalarAsync<long>(
                    "SELECT count(*) FROM category_slots WHERE category_id = @id AND participant_id IS NOT NULL", new { id });
                return $"{taken} places in {wanted.Name} are taken (registered, paid or offered): the capacity cannot be lower than {taken}.";
            case "race_categories_bib_ranges_disjoint":
                var other = await connection.QueryFirstOrDefaultAsync<(string Name, int BibFirst, int BibLast)>("""
                    SELECT name, bib_first, bib_last FROM race_categories
                    WHERE int4range(bib_first, bib_last, '[]') && int4range(@BibFirst, @BibLast, '[]')
                      AND id IS DISTINCT FROM @id
                    ORDER BY bib_first LIMIT 1
                    """, new { wanted.BibFirst, wanted.BibLast, id });
                return other.Name is null
                    ? $"Bibs {wanted.BibFirst}–{wanted.BibLast} overlap another race's range: each bib belongs to one race."
                    : $"Bibs {wanted.BibFirst}–{wanted.BibLast} overlap the {other.Name} (bibs {other.BibFirst}–{other.BibLast}): each bib belongs to one race.";
            default:
                return $"There is already a race called '{wanted.Name}'.";
        }
    }

    /// <summary>The stored shape of the form, or null with messages added.</summary>
    private Values? Validate()
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
        return new Values(Form.Name!.Trim(), Form.DistanceMeters!.Value, price!.Value, Form.Currency!.Trim(), Form.Capacity!.Value,
            Form.BibFirst!.Value, Form.BibLast!.Value, Form.MinimumAge ?? 0, Form.SortOrder ?? 0, Form.IsOpen);
    }

    private static DynamicParameters Parameters(Values values, long id)
    {
        var parameters = new DynamicParameters(values);
        parameters.Add("id", id);
        return parameters;
    }

    private async Task<PageResult> RefuseAsync(int status)
    {
        Response.StatusCode = status;
        await LoadAsync();
        return Page();
    }

    private const string Columns =
        "name, distance_meters, price_minor, currency, capacity, bib_first, bib_last, minimum_age, sort_order, is_open";

    private async Task LoadAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        Categories = (await connection.QueryAsync<Row>($"""
            SELECT c.id, {Columns}, c.updated_at,
                   (SELECT count(*) FROM category_slots s WHERE s.category_id = c.id AND s.participant_id IS NOT NULL) AS taken,
                   (SELECT count(*) FROM participants p WHERE p.category_id = c.id AND p.payment_status = '{ParticipantStatus.Waitlisted}') AS waiting
            FROM race_categories c
            ORDER BY c.sort_order, c.name
            """)).AsList();
    }

    /// <summary>A category as stored, for the update, the audit row's before/after and the form.</summary>
    public sealed record Values(string Name, int DistanceMeters, long PriceMinor, string Currency, int Capacity,
        int BibFirst, int BibLast, int MinimumAge, int SortOrder, bool IsOpen);

    public sealed record Row(long Id, string Name, int DistanceMeters, long PriceMinor, string Currency, int Capacity,
        int BibFirst, int BibLast, int MinimumAge, int SortOrder, bool IsOpen, DateTime UpdatedAt, long Taken, long Waiting)
    {
        public Values Values => new(Name, DistanceMeters, PriceMinor, Currency, Capacity, BibFirst, BibLast, MinimumAge, SortOrder, IsOpen);
        public string Price => Money.Format(PriceMinor, Currency);
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

        public static CategoryForm From(Values category) => new()
        {
            Name = category.Name, DistanceMeters = category.DistanceMeters,
            Price = Money.Amount(category.PriceMinor),
            Currency = category.Currency, Capacity = category.Capacity, BibFirst = category.BibFirst, BibLast = category.BibLast,
            MinimumAge = category.MinimumAge, SortOrder = category.SortOrder, IsOpen = category.IsOpen,
        };
    }
}
