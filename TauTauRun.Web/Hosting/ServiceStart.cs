namespace TauTauRun.Web.Hosting;

public static class ServiceStart
{
    /// <summary>
    /// Waits until the service has started (Kestrel listening, READY=1 sent under systemd); false when
    /// it stops first. Background work that can wait starts after this, so a start spends its CPU on
    /// becoming ready.
    /// </summary>
    public static async Task<bool> WhenStartedAsync(this IHostApplicationLifetime lifetime, CancellationToken stoppingToken)
    {
        // Asynchronous continuations: run inside the ApplicationStarted callbacks, the work would come
        // before the framework's own (READY=1 among them).
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled());
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
