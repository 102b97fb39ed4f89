using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>The published app SIGKILLed at random moments under a registration rush, and started again.</summary>
[Category("Faults")]
public sealed class KillTests : DatabaseTest
{
    private const int Kills = 20;
    private const int Capacity = 25;

    [Test]
    public async Task Every_acknowledged_registration_survives_twenty_kills_exactly_once_and_no_race_is_oversold()
    {
        var seed = Environment.TickCount;
        TestContext.Out.WriteLine($"kill moments from seed {seed}");
        var random = new Random(seed);
        long[] categories;
        await using (var connection = await OpenAsync())
            categories = [await TestData.CategoryAsync(connection, "5K", Capacity, bibFirst: 1, bibLast: 999),
                await TestData.CategoryAsync(connection, "10K", Capacity, bibFirst: 1000, bibLast: 1999)];
        await using var app = await AppProcess.StartAsync();
        var load = new RegistrationLoad(app.NewClient, categories);
        using var stop = new CancellationTokenSource();
        var rush = load.RunAsync(runners: 12, expected: _ => false, stop.Token);

        for (var kill = 1; kill <= Kills; kill++)
        {
            // A random moment once the restarted app is taking registrations again.
            await load.WhenAcknowledgedAsync(load.Acknowledged.Count + random.Next(1, 6));
            await Task.Delay(random.Next(0, 300));
            await app.KillAsync();
            var started = DateTime.UtcNow;
            await app.StartAsync();
            TestContext.Out.WriteLine($"kill {kill}: {load.Acknowledged.Count} acknowledged, restart took {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms");
            Assert.That(await RegistrationInvariants.ViolationsAsync(TestDatabase.ConnectionString, load.Acknowledged.ToList()), Is.Empty,
                $"after kill {kill} (seed {seed})");
        }
        await stop.CancelAsync();
        await rush;

        TestContext.Out.WriteLine($"{load.Acknowledged.Count} acknowledged, {load.LostAnswers} answers lost, answers {string.Join(", ", load.Answers.Select(a => $"{a.Key}: {a.Value}"))}");
        Assert.That(load.Surprises, Is.Empty, $"seed {seed}\n{app.ErrorLog()}");
        Assert.That(await RegistrationInvariants.ViolationsAsync(TestDatabase.ConnectionString, load.Acknowledged.ToList()), Is.Empty);
        Assert.That(load.Acknowledged, Has.Count.GreaterThan(2 * Capacity), "the rush must fill both races and reach their waiting lists");
        Assert.That(load.LostAnswers, Is.GreaterThan(0), "the kills must have cut requests off mid-way, or they proved nothing");
    }
}
