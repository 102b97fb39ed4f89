using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Development;

/// <summary>
/// Demo race categories and a demo admin for the run command, only into the embedded development
/// cluster (never a database someone configured). Its published password must be changed at the first
/// login. Running it again changes nothing: categories are added only to an empty table and the admin only once.
/// </summary>
public static class DemoData
{
    public const string AdminUsername = "admin";
    public const string AdminPassword = "tautaurun-demo";

    public static async Task SeedAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO race_categories (name, distance_meters, capacity, price_minor, currency, bib_first, bib_last, minimum_age, sort_order)
            SELECT * FROM (VALUES
                ('5K', 5000, 300, 1500::bigint, 'EUR', 1, 999, 8, 1),
                ('10K', 10000, 300, 2500::bigint, 'EUR', 1001, 1999, 14, 2),
                ('Half marathon (21.1K)', 21097, 200, 4000::bigint, 'EUR', 2001, 2999, 18, 3)
            ) AS demo
            WHERE NOT EXISTS (SELECT 1 FROM race_categories)
            """);
        await using var transaction = await connection.BeginTransactionAsync();
        await AdminAccounts.CreateAsync(transaction, AdminUsername, "Demo admin", AdminPassword, AdminPolicies.Admin, mustChangePassword: true, actor: null);
        await transaction.CommitAsync();
    }
}
