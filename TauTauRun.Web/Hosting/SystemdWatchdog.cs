using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting.Systemd;

namespace TauTauRun.Web.Hosting;

/// <summary>
/// Feeds systemd's watchdog (<c>WatchdogSec=</c> in the unit, which sets <c>WATCHDOG_USEC</c>): sends
/// <c>WATCHDOG=1</c> at half the interval for as long as this process runs its timers on the thread
/// pool, whatever the database's state. A restart cannot fix a database that is down or a schema that
/// is behind (/health reports those), and restarting for them only turned an outage into a restart
/// loop; a process that no longer runs (hung, stopped, its thread pool starved) stops the beats, and
/// systemd ends it (<c>WatchdogSignal=SIGKILL</c> in the unit) and starts it again. The framework's
/// systemd support announces READY and STOPPING but has no heartbeat.
/// </summary>
internal sealed class SystemdWatchdog(
    IServiceProvider services, HealthCheckService health, IHostApplicationLifetime lifetime, ILogger<SystemdWatchdog> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Registered by AddSystemd() only when systemd started us; otherwise there is no one to tell.
        var notifier = services.GetService<ISystemdNotifier>();
        if (notifier is not { IsEnabled: true } || Interval() is not { } interval)
            return;
        if (!await lifetime.WhenStartedAsync(stoppingToken))
            return;
        logger.LogInformation("Systemd watchdog: a heartbeat every {Seconds:0.###} s while the process runs", interval.TotalSeconds);
        using var timer = new PeriodicTimer(interval);
        var wasHealthy = true;
        // After a first interval: READY=1 goes first.
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            notifier.Notify(new ServiceState("WATCHDOG=1"));
            // Only said, not acted on: the operator sees in the journal why /health answers 503.
            // Bounded, so a slow database cannot delay the next heartbeat.
            var healthy = await HealthyAsync(interval, stoppingToken);
            if (healthy != wasHealthy)
                logger.Log(healthy ? LogLevel.Information : LogLevel.Warning, healthy
                    ? "Systemd watchdog: healthy again"
                    : "Systemd watchdog: unhealthy (see /health); heartbeats go on, as a restart would not help");
            wasHealthy = healthy;
        }
    }

    private async Task<bool> HealthyAsync(TimeSpan within, CancellationToken stoppingToken)
    {
        try
        {
            return (await health.CheckHealthAsync(stoppingToken).WaitAsync(within, stoppingToken)).Status != HealthStatus.Unhealthy;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Half of WATCHDOG_USEC, when it is set for this process (WATCHDOG_PID, if present, names it).</summary>
    private static TimeSpan? Interval()
    {
        if (!long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var microseconds) || microseconds <= 0)
            return null;
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString())
            return null;
        return TimeSpan.FromMicroseconds(microseconds / 2.0);
    }
}

public static class SystemdWatchdogExtensions
{
    public static IServiceCollection AddSystemdWatchdog(this IServiceCollection services) =>
        services.AddHostedService<SystemdWatchdog>();
}
