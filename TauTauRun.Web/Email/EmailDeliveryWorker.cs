using Microsoft.Extensions.Options;
using Npgsql;
using TauTauRun.Web.Hosting;

namespace TauTauRun.Web.Email;

/// <summary>
/// Runs <see cref="EmailDelivery"/> for as long as the service runs: a drain whenever mail is due, then
/// a short poll, so new mail leaves about a second after its transaction commits. The first drain
/// waits until the service is ready: at start the CPU goes to taking requests.
/// </summary>
internal sealed class EmailDeliveryWorker(
    EmailDelivery delivery, IOptions<EmailDeliveryOptions> options, IHostApplicationLifetime lifetime, ILogger<EmailDeliveryWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (!await lifetime.WhenStartedAsync(stoppingToken))
                return;
            while (true)
            {
                try
                {
                    await delivery.DeliverDueAsync(stoppingToken);
                }
                catch (NpgsqlException e)
                {
                    logger.LogWarning("Email delivery paused: database unreachable ({Reason})", e.Message);
                }
                // A drain ends when a claim finds fewer than a batch: nothing more is due now.
                await Task.Delay(options.Value.PollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: whatever is still claimed comes back to a worker after its lease.
        }
    }
}
