using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Coupon codes: made by admins (one at a time, or single-use codes in bulk for sponsors), used by runners
/// on the form. A use is taken in the registration's transaction (<see cref="ClaimAsync"/>) and the
/// runner's price computed there; when it cannot be, <see cref="ProblemAsync"/> says why in the runner's words.
/// </summary>
public sealed partial class Coupons(NpgsqlDataSource dataSource)
{
    public const int CodeMaxLength = 32;
    public const int MaxBulk = 5000;
    private const string Alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"; // nothing a sponsor's guest could misread

    /// <summary>A coupon as an admin sets it: one of <see cref="PercentOff"/> and <see cref="AmountOffMinor"/> (with its currency).</summary>
    public sealed record Values(int? PercentOff, long? AmountOffMinor, string? Currency, int MaxUses, DateTime? ValidFrom,
        DateTime? ValidUntil, string Note, long[] CategoryIds);

    /// <summary>A coupon on the admin's list, with its races and the references of the runners who used it (comma-separated).</summary>
    public sealed record Row(long Id, string Code, int? PercentOff, long? AmountOffMinor, string? Currency, int MaxUses, int Uses,
        DateTime? ValidFrom, DateTime? ValidUntil, string Note, string Races, string UsedBy)
    {
        public string Discount => PercentOff is { } percent ? $"{percent}%" : Money.Format(AmountOffMinor!.Value, Currency!);
    }

    /// <summary>What a runner typed, as stored (capitals, no spaces around), or null when the field is empty.</summary>
    public static string? Normalize(string? typed) =>
        string.IsNullOrWhiteSpace(typed) ? null : typed.Trim().ToUpperInvariant();

    /// <summary>Whether a normalized code has the shape every stored code has (longer or other characters: no such coupon).</summary>
    public static bool IsWellFormed(string code) => CodeShape().IsMatch(code);

    [GeneratedRegex("^[A-Z0-9-]{3,32}$")]
    private static partial Regex CodeShape();

    /// <summary>The discount a used coupon gives.</summary>
    public sealed record Discount(long CouponId, string Code, int? PercentOff, long? AmountOffMinor);

    /// <summary>
    /// Takes one use of <paramref name="code"/> for race <paramref name="categoryId"/>, or null when it
    /// cannot be used (unknown, outside its window, used up, for other races or another currency). The
    /// coupon's row stays locked until the caller commits, so runners racing for the last use queue here
    /// and exactly one gets it; a registration that rolls back gives its use back with it.
    /// </summary>
    public static Task<Discount?> ClaimAsync(NpgsqlTransaction transaction, string code, long categoryId) =>
        transaction.Connection!.QuerySingleOrDefaultAsync<Discount?>($"""
            UPDATE coupons k SET uses = uses + 1
            WHERE code = @code AND uses < max_uses AND {Usable}
            RETURNING id AS coupon_id, code, percent_off, amount_off_minor
            """, new { code, categoryId }, transaction);

    // Inside its window, for this race (or every race), in the race's currency if it is an amount.
    private const string Usable = """
        (k.valid_from IS NULL OR k.valid_from <= now()) AND (k.valid_until IS NULL OR k.valid_until > now())
        AND (NOT EXISTS (SELECT 1 FROM coupon_races r WHERE r.coupon_id = k.id)
             OR EXISTS (SELECT 1 FROM coupon_races r WHERE r.coupon_id = k.id AND r.category_id = @categoryId))
        AND (k.currency IS NULL OR k.currency = (SELECT c.currency FROM race_categories c WHERE c.id = @categoryId))
        """;

    /// <summary>Why <paramref name="code"/> cannot be used for the race now, in the runner's words; null if it can.</summary>
    public static async Task<string?> ProblemAsync(NpgsqlConnection connection, string code, long categoryId)
    {
        var coupon = await connection.QuerySingleOrDefaultAsync<(DateTime? ValidFrom, DateTime? ValidUntil, bool Left, bool Usable)?>($"""
            SELECT valid_from, valid_until, uses < max_uses, {Usable} FROM coupons k WHERE code = @code
            """, new { code, categoryId });
        var now = DateTime.UtcNow;
        return coupon switch
        {
            null => RunnerText.Get("Coupon.Unknown"),
            { ValidFrom: { } from } when from > now => RunnerText.Get("Coupon.NotYet"),
            { ValidUntil: { } until } when until <= now => RunnerText.Get("Coupon.Expired"),
            { Left: false } => RunnerText.Get("Coupon.UsedUp"),
            { Usable: false } => RunnerText.Get("Coupon.WrongRace"),
            _ => null,
        };
    }

    public async Task<IReadOnlyList<Row>> ListAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<Row>("""
            SELECT k.id, k.code, k.percent_off, k.amount_off_minor, k.currency, k.max_uses, k.uses, k.valid_from, k.valid_until, k.note,
                   array_to_string(ARRAY(SELECT c.name FROM coupon_races r JOIN race_categories c ON c.id = r.category_id
                                         WHERE r.coupon_id = k.id ORDER BY c.sort_order, c.name), ', ') AS races,
                   array_to_string(ARRAY(SELECT p.reference FROM participants p WHERE p.coupon_id = k.id ORDER BY p.created_at), ', ') AS used_by
            FROM coupons k
            ORDER BY k.created_at DESC, k.code
            """)).AsList();
    }

    /// <summary>Adds a coupon with the code an admin chose; false when the code exists already.</summary>
    public async Task<bool> CreateAsync(string code, Values values, AuditActor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (await InsertAsync(transaction, [code], values) == 0)
            return false;
        await AuditLog.WriteAsync(transaction, actor, "coupon.created", new { code, values });
        await transaction.CommitAsync();
        return true;
    }

    /// <summary>Makes <paramref name="count"/> new single-use codes (<c>PREFIX-XXXXXXXX</c>) at once and returns them.</summary>
    public async Task<IReadOnlyList<string>> GenerateAsync(int count, string prefix, Values values, AuditActor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var made = new List<string>();
        while (made.Count < count)
        {
            // 30^8 codes: a collision with an existing code is rare, and simply drawn again.
            var drawn = Enumerable.Range(0, count - made.Count).Select(_ => $"{prefix}-{RandomNumberGenerator.GetString(Alphabet, 8)}").Distinct().ToArray();
            made.AddRange(await transaction.Connection!.QueryAsync<string>(InsertSql,
                Parameters(drawn, values with { MaxUses = 1 }), transaction));
        }
        await AuditLog.WriteAsync(transaction, actor, "coupons.generated", new { count, prefix, values });
        await transaction.CommitAsync();
        return made;
    }

    private const string InsertSql = """
        WITH made AS (
            INSERT INTO coupons (code, percent_off, amount_off_minor, currency, max_uses, valid_from, valid_until, note)
            SELECT code, @PercentOff, @AmountOffMinor, @Currency, @MaxUses, @ValidFrom, @ValidUntil, @Note
            FROM unnest(@codes) AS code
            ON CONFLICT (code) DO NOTHING
            RETURNING id, code),
        races AS (
            INSERT INTO coupon_races (coupon_id, category_id)
            SELECT made.id, race FROM made, unnest(@CategoryIds) AS race)
        SELECT code FROM made
        """;

    private static async Task<int> InsertAsync(NpgsqlTransaction transaction, string[] codes, Values values) =>
        (await transaction.Connection!.QueryAsync<string>(InsertSql, Parameters(codes, values), transaction)).Count();

    private static DynamicParameters Parameters(string[] codes, Values values)
    {
        var parameters = new DynamicParameters(values);
        parameters.Add("codes", codes);
        return parameters;
    }
}
