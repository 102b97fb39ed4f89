using Npgsql;

namespace TauTauRun.Bench.Bare;

/// <summary>
/// The baselines' data source: the given connection string with the pool the product uses (40) and
/// the Npgsql settings that made the bare stack fastest in calibration (no reset on close, automatic
/// preparation), so the baselines are as strong as the naive stack gets.
/// </summary>
public static class BareDatabase
{
    public static NpgsqlDataSource Open(string connectionString) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = 40,
            NoResetOnClose = true,
            MaxAutoPrepare = 20,
        }.ConnectionString);
}
