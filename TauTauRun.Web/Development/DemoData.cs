using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Development;

/// <summary>
/// A demo event and a demo admin for the run command, only into the embedded development cluster (never a
/// database someone configured), so a newcomer sees the product as its users will: a run in Toraja, priced
/// in rupiah, on the event's own clock (Asia/Makassar, WITA), open for registration, race day about half a
/// year ahead. The bank account is visibly not a real one. The admin's published password must be changed
/// at the first login. Running it again changes nothing: the settings are stored only where there are
/// none, categories are added only to an empty table and the admin only once.
/// </summary>
public static class DemoData
{
    public const string AdminUsername = "admin";
    public const string AdminPassword = "tautaurun-demo";
    public const string TimeZone = "Asia/Makassar";

    public static async Task SeedAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await EventSettingsStore.StoreFirstAsync(connection, Event(DateTime.UtcNow));
        // Rupiah in minor units like every amount (Money): Rp150.000 is 15,000,000.
        await connection.ExecuteAsync("""
            INSERT INTO race_categories (name, distance_meters, capacity, price_minor, currency, bib_first, bib_last, minimum_age, sort_order)
            SELECT * FROM (VALUES
                ('5K', 5000, 300, 15000000::bigint, 'IDR', 1, 999, 8, 1),
                ('10K', 10000, 300, 25000000::bigint, 'IDR', 1001, 1999, 14, 2),
                ('Half marathon (21.1K)', 21097, 200, 40000000::bigint, 'IDR', 2001, 2999, 18, 3)
            ) AS demo
            WHERE NOT EXISTS (SELECT 1 FROM race_categories)
            """);
        await using var transaction = await connection.BeginTransactionAsync();
        await AdminAccounts.CreateAsync(transaction, AdminUsername, "Demo admin", AdminPassword, AdminPolicies.Admin, mustChangePassword: true, actor: null);
        await transaction.CommitAsync();
    }

    /// <summary>The demo event as seeded at <paramref name="utcNow"/>: race day the first Saturday 180 days on, 06:00 in Toraja.</summary>
    public static EventSettings Event(DateTime utcNow)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utcNow, zone));
        var raceDay = today.AddDays(180);
        raceDay = raceDay.AddDays(((int)DayOfWeek.Saturday - (int)raceDay.DayOfWeek + 7) % 7);
        DateTime At(DateOnly day, int hour) => TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(new TimeOnly(hour, 0)), zone);
        return new EventSettings
        {
            Name = "Tau-Tau Run Toraja",
            Description = "A run among the rice terraces, tongkonan houses and tau-tau of Toraja: 5K, 10K and a half marathon, starting and finishing in Rantepao.",
            StartsAt = At(raceDay, 6),
            TimeZone = TimeZone,
            Place = "Rantepao town square, Tana Toraja",
            BankAccountHolder = "Yayasan Tau-Tau Run Toraja (DEMO)",
            BankName = "DEMO – not a real account, do not transfer",
            BankIban = "0000-DEMO-0000",
            BankBic = "",
            RegistrationOpensAt = At(today, 0),
            RegistrationClosesAt = At(raceDay.AddDays(-7), 22),
            EditDeadline = At(raceDay.AddDays(-10), 22),
            TransferDeadline = At(raceDay.AddDays(-10), 22),
        };
    }
}
