using Dapper;
using Npgsql;
using Prometheus;

namespace TauTauRun.Web.Hosting;

/// <summary>
/// <c>GET /metrics</c> in Prometheus' format, with prometheus-net: request rates and latencies by route
/// pattern (its HTTP middleware), .NET's and Npgsql's own meters (connection pool usage among them,
/// through its meter adapter), registrations counted as they are acknowledged, and what only the
/// database knows (outbox, failed deliveries, the standby) read when Prometheus scrapes. nginx refuses
/// the path: it answers on the instance's local port only (deploy/nginx/tautaurun.conf).
/// </summary>
public static class AppMetrics
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(2);

    private static readonly Counter Registrations = Prometheus.Metrics.CreateCounter("tautaurun_registrations_total",
        "Registrations acknowledged by this instance, by outcome (registered: holds a place; waitlisted: joined the waiting list).",
        "outcome");
    private static readonly Gauge DatabaseUp = Prometheus.Metrics.CreateGauge("tautaurun_database_up",
        "1 when the scrape's database queries answered, 0 when not (then the other database gauges keep their last value).");
    private static readonly Gauge OutboxDepth = Prometheus.Metrics.CreateGauge("tautaurun_outbox_queued",
        "Emails waiting in the outbox (status QUEUED), due now or later.");
    private static readonly Gauge OutboxDue = Prometheus.Metrics.CreateGauge("tautaurun_outbox_due",
        "Emails in the outbox whose next attempt is due now.");
    private static readonly Gauge OldestDue = Prometheus.Metrics.CreateGauge("tautaurun_outbox_oldest_due_age_seconds",
        "How long the oldest due email has been waiting for its attempt, in seconds (0 when none is due).");
    private static readonly Gauge FailedDeliveries = Prometheus.Metrics.CreateGauge("tautaurun_email_failed",
        "Emails that gave up after their last attempt (status FAILED), waiting for 'tautaurun resend-failed-emails'.");
    private static readonly Gauge SyncStandbys = Prometheus.Metrics.CreateGauge("tautaurun_standby_sync_connected",
        "Standbys streaming in synchronous mode from the database this instance writes to.");
    private static readonly Gauge SyncRequired = Prometheus.Metrics.CreateGauge("tautaurun_standby_sync_required",
        "1 when the primary waits for a synchronous standby on commit (synchronous_standby_names set), 0 when not.");

    /// <summary>Counts an acknowledged registration; call once per new registration (not for a resubmitted form).</summary>
    public static void Registered(bool waitlisted) => Registrations.WithLabels(waitlisted ? "waitlisted" : "registered").Inc();

    public static void UseTauTauRunMetrics(this WebApplication app)
    {
        // Both series exist from the first scrape, so an alert on their rate has something to read.
        Registrations.WithLabels("registered");
        Registrations.WithLabels("waitlisted");
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AppMetrics));
        Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(cancellationToken => ReadDatabaseAsync(dataSource, logger, cancellationToken));
        app.UseHttpMetrics();
        app.MapMetrics();
    }

    private static async Task ReadDatabaseAsync(NpgsqlDataSource dataSource, ILogger logger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(QueryTimeout);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
            var row = await connection.QuerySingleAsync<DatabaseRow>(new CommandDefinition("""
                SELECT count(*) FILTER (WHERE status = 'QUEUED') AS queued,
                       count(*) FILTER (WHERE status = 'QUEUED' AND next_attempt_at <= now()) AS due,
                       coalesce(extract(epoch FROM now() - min(next_attempt_at) FILTER (WHERE status = 'QUEUED' AND next_attempt_at <= now())), 0)::float8 AS oldestdueseconds,
                       count(*) FILTER (WHERE status = 'FAILED') AS failed,
                       (SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')) AS syncstandbys,
                       current_setting('synchronous_standby_names') <> '' AS syncrequired
                FROM email_logs WHERE status <> 'SENT'
                """, cancellationToken: timeout.Token));
            OutboxDepth.Set(row.Queued);
            OutboxDue.Set(row.Due);
            OldestDue.Set(row.OldestDueSeconds);
            FailedDeliveries.Set(row.Failed);
            SyncStandbys.Set(row.SyncStandbys);
            SyncRequired.Set(row.SyncRequired ? 1 : 0);
            DatabaseUp.Set(1);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            logger.LogWarning("Metrics: the database did not answer ({Reason})", e.Message);
            DatabaseUp.Set(0);
        }
    }

    private sealed record DatabaseRow(long Queued, long Due, double OldestDueSeconds, long Failed, long SyncStandbys, bool SyncRequired);
}
