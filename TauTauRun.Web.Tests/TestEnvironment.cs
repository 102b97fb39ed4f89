using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests;

/// <summary>Once per run, for every test: the database comes up and is migrated.</summary>
[SetUpFixture]
public sealed class TestEnvironment
{
    [OneTimeSetUp]
    public async Task StartAsync()
    {
        try
        {
            await TestDatabase.StartAsync();
        }
        catch (StartupException e)
        {
            Assert.Fail($"The test database could not start: {e.Message}. Run scripts/test.sh, which installs PostgreSQL, or set TAUTAURUN_TEST_DB to a server's connection string.");
        }
    }

    [OneTimeTearDown]
    public void Stop() => TestDatabase.Stop();
}
