using Npgsql;
using TauTauRun.Web.Hosting;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Jobs;

/// <summary>Runs <see cref="PaymentExpiry"/> (unpaid and unconfirmed places, lapsed offers) and then <see cref="PaymentReminders"/> every <c>Jobs:ExpiryInterval</c> (default one minute), from when the service is ready.</summary>
internal sealed class PaymentExpiryJob(
    PaymentExpiry expiry, PaymentReminders reminders, IConfiguration configuration, IHostApplicationLifetime lifetime, ILogger<PaymentExpiryJob> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = configuration.GetValue("Jobs:ExpiryInterval", TimeSpan.FromMinutes(1));
        using var timer = new PeriodicTimer(interval);
        try
        {
            if (!await lifetime.WhenStartedAsync(stoppingToken))
                return;
            do
            {
                try
                {
                    var sweep = await expiry.RunOnceAsync(stoppingToken);
                    if (sweep.Expired + sweep.Unconfirmed + sweep.OffersLapsed > 0)
                        logger.LogInformation("Expired {Expired} unpaid registrations, {Unconfirmed} with unconfirmed addresses and {Lapsed} lapsed offers",
                            sweep.Expired, sweep.Unconfirmed, sweep.OffersLapsed);
                    if (await reminders.RunOnceAsync(stoppingToken) is int reminded and > 0)
                        logger.LogInformation("Queued {Reminded} payment reminders", reminded);
                }
                catch (NpgsqlException e)
                {
                    logger.LogWarning("Payment expiry skipped: database unreachable ({Reason})", e.Message);
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
