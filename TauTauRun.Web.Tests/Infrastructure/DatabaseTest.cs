using Npgsql;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>Base for tests that use the shared test database: every test starts from empty tables.</summary>
public abstract class DatabaseTest
{
    [SetUp]
    public Task ResetDatabaseAsync() => TestDatabase.ResetAsync();

    protected static async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
