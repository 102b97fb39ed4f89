using Dapper;
using Microsoft.Extensions.Configuration;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Admin;

public sealed class KeyRingWatcherTests : DatabaseTest
{
    private static readonly IConfiguration CheckEveryRequest = new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["TauTauRun:Admin:SessionCheckSeconds"] = "0" })
        .Build();

    [Test]
    public async Task The_first_check_that_finds_keys_expires_a_ring_that_may_have_been_loaded_before_another_instance_added_one()
    {
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("INSERT INTO data_protection_keys (friendly_name, xml) VALUES ('key-b', '<key/>')");
        await using var dataSource = NpgsqlDataSource.Create(TestDatabase.ConnectionString);
        var watcher = new KeyRingWatcher(dataSource, CheckEveryRequest);
        var ringLoadedEarlier = watcher.Changed;

        await watcher.CheckAsync();

        Assert.That(ringLoadedEarlier.IsCancellationRequested, Is.True);
    }

    [Test]
    public async Task A_check_that_finds_nothing_new_leaves_the_ring_alone()
    {
        await using var dataSource = NpgsqlDataSource.Create(TestDatabase.ConnectionString);
        var watcher = new KeyRingWatcher(dataSource, CheckEveryRequest);

        await watcher.CheckAsync();
        var ringLoaded = watcher.Changed;
        await watcher.CheckAsync();

        Assert.That(ringLoaded.IsCancellationRequested, Is.False);
    }
}
