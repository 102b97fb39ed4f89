using Dapper;
using Npgsql;
using TauTauRun.Web.Data;
using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Development;

/// <summary>The run command's demo: an event in Toraja, priced in rupiah, on Toraja's clock, open for registration.</summary>
public sealed class DemoDataTests : DatabaseTest
{
    [Test]
    public async Task An_empty_database_gets_the_toraja_event_in_rupiah_on_its_own_clock_and_a_second_run_changes_nothing()
    {
        // As the run command does: before the app starts (its jobs would store the configured defaults first).
        await using (var dataSource = NpgsqlDataSource.Create(TestDatabase.ConnectionString))
        {
            await DemoData.SeedAsync(dataSource);
            await DemoData.SeedAsync(dataSource);
        }

        using var app = new TestApp();
        var settings = await app.Services.GetRequiredService<EventSettingsStore>().LoadAsync();
        Assert.That(settings.Name, Is.EqualTo("Tau-Tau Run Toraja"));
        Assert.That(settings.Place, Does.Contain("Rantepao"));
        Assert.That(settings.TimeZone, Is.EqualTo("Asia/Makassar"));
        Assert.That(settings.BankAccountHolder + settings.BankName, Does.Contain("DEMO"), "nobody mistakes it for a real account");
        var start = settings.Local(settings.StartsAt);
        Assert.That((start.DayOfWeek, start.Hour), Is.EqualTo((DayOfWeek.Saturday, 6)));
        Assert.That(DateTime.UtcNow, Is.InRange(settings.RegistrationOpensAt, settings.RegistrationClosesAt), "open for registration");
        await using var connection = await OpenAsync();
        Assert.That(await connection.QueryAsync<(string, long, string)>("SELECT name, price_minor, currency FROM race_categories ORDER BY sort_order"),
            Is.EqualTo(new[] { ("5K", 15_000_000L, "IDR"), ("10K", 25_000_000L, "IDR"), ("Half marathon (21.1K)", 40_000_000L, "IDR") }));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM admins"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_database_with_an_event_keeps_its_settings()
    {
        using var app = new TestApp();
        var store = app.Services.GetRequiredService<EventSettingsStore>();
        var before = await store.LoadAsync();

        await DemoData.SeedAsync(app.Services.GetRequiredService<NpgsqlDataSource>());

        store.Forget();
        Assert.That(await store.LoadAsync(), Is.EqualTo(before));
    }
}
