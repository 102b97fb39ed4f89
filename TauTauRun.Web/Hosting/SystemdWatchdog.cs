using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting.Systemd;

namespace TauTauRun.Web.Hosting;

/// <summary>
/// Feeds systemd's watchdog (<c>WatchdogSec=</c> in the unit, which sets <c>WATCHDOG_USEC</c>): sends
/// <c>WATCHDOG=1</c> at half the interval, but only while the health checks pass, so a process that
/// still runs but cannot serve (hung, or cut off from its database) is restarted by systemd. The
/// framework's systemd support announces READY and STOPPING but has no heartbeat.
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
        if (!await StartedAsync(stoppingToken))
            return;
        logger.LogInformation("Systemd watchdog: a heartbeat every {Seconds:0.###} s while healthy", interval.TotalSeconds);
        using var timer = new PeriodicTimer(interval);
        var wasHealthy = true;
        do
        {
            var report = await health.CheckHealthAsync(stoppingToken);
            var healthy = report.Status != HealthStatus.Unhealthy;
            if (healthy)
                notifier.Notify(new ServiceState("WATCHDOG=1"));
            else if (wasHealthy)
                logger.LogWarning("Systemd watchdog: unhealthy, heartbeats paused; systemd restarts the service if this lasts");
            wasHealthy = healthy;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
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

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var onStarted = lifetime.ApplicationStarted.Register(started.SetResult);
        using var onStopping = stoppingToken.Register(started.SetCanceled);
        try
        {
            await started.Task;
            return true;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }
}

public static class SystemdWatchdogExtensions
{
    public static IServiceCollection AddSystemdWatchdog(this IServiceCollection services) =>
        services.AddHostedService<SystemdWatchdog>();
}
