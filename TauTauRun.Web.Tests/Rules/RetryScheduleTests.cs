using TauTauRun.Web.Email;

namespace TauTauRun.Rules.Tests;

/// <summary>The outbox's retry schedule: doubling from RetryBase, capped, each delay within ±20%.</summary>
public sealed class RetryScheduleTests
{
    private static readonly EmailDeliveryOptions Defaults = new();

    [TestCase(1, 30)]
    [TestCase(2, 60)]
    [TestCase(3, 120)]
    [TestCase(7, 1920)]
    [TestCase(8, 3600)]
    [TestCase(11, 3600)]
    [TestCase(1000, 3600)]
    public void Each_attempt_waits_twice_as_long_as_the_last_up_to_the_cap(int attempt, int seconds)
    {
        var delays = Enumerable.Range(0, 200).Select(_ => Defaults.RetryDelay(attempt).TotalSeconds).ToList();

        Assert.That(delays, Is.All.InRange(seconds * 0.8, seconds * 1.2));
        Assert.That(delays.Distinct().Count(), Is.GreaterThan(1), "jittered, so failed messages do not all come back at once");
    }

}
