using Microsoft.Extensions.Options;
using Npgsql;

namespace TauTauRun.Web.Email;

/// <summary>
/// Runs <see cref="EmailDelivery"/> for as long as the service runs: batch after batch while there is
/// mail, then a short poll, so new mail leaves about a second after its transaction commits.
/// </summary>
internal sealed class EmailDeliveryWorker(EmailDelivery delivery, IOptions<EmailDeliveryOptions> options, ILogger<EmailDeliveryWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                var claimed = 0;
                try
                {
                    claimed = await delivery.DeliverDueAsync(stoppingToken);
                }
                catch (NpgsqlException e)
                {
                    logger.LogWarning("Email delivery paused: database unreachable ({Reason})", e.Message);
                }
                if (claimed < options.Value.BatchSize)
                    await Task.Delay(options.Value.PollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: whatever is still claimed comes back to a worker after its lease.
        }
    }
}
