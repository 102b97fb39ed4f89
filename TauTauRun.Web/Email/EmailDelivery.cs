using Dapper;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;
using Npgsql;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Email;

/// <summary>
/// Delivers due messages from the outbox, one batch at a time. A batch is claimed with
/// <c>FOR UPDATE SKIP LOCKED</c> and a lease, so any number of workers in any number of instances
/// share the work without sending a message twice, and a crashed worker's batch comes back when its
/// lease runs out. Delivery is at least once: a crash between the server's acceptance and the
/// database update sends the message again, with the same Message-ID.
/// </summary>
public sealed class EmailDelivery(
    NpgsqlDataSource dataSource, IMailTransport transport, EmailSettings settings, EventSettingsStore eventSettings,
    DkimSealer sealer, IOptions<EmailDeliveryOptions> options, ILogger<EmailDelivery> logger)
{
    private EmailDeliveryOptions Options => options.Value;

    /// <summary>Claims and sends one batch. Returns how many messages it claimed.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        // Taken when sent, not when queued: a reply address changed meanwhile is the one used. Read
        // before claiming, so a failed read leaves no batch waiting for its lease.
        var replyTo = (await eventSettings.LoadAsync()).ReplyTo is { Length: > 0 } address ? MailboxAddress.Parse(address) : null;
        var claimed = await ClaimAsync(cancellationToken);
        if (claimed.Count == 0)
            return 0;
        var skipped = await SkipLeftGroupAsync(claimed);
        var batch = claimed.Where(message => !skipped.Contains(message.Id)).ToList();
        if (batch.Count == 0)
            return claimed.Count;

        var sent = new SentMarks(this);
        IMailSession? session = null;
        try
        {
            session = await transport.OpenAsync(cancellationToken);
            foreach (var message in batch)
            {
                if (await SendOneAsync(session, message, replyTo, cancellationToken))
                    sent.Add(message.Id);
            }
            await sent.CommitAsync();
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            // The connection is gone: every message of the batch not yet settled waits for its retry.
            logger.LogWarning("Email delivery through {Transport} failed: {Reason}", transport.Describe(), e.Message);
            await sent.CommitAsync();
            foreach (var message in batch)
                await MarkFailedAsync(message, $"{e.GetType().Name}: {e.Message}", permanent: false, onlyIfClaimed: true);
        }
        finally
        {
            if (session is not null)
                await session.DisposeAsync();
        }
        logger.LogInformation("Email batch: {Sent} of {Claimed} delivered through {Transport}, {Skipped} skipped",
            sent.Count, claimed.Count, transport.Describe(), skipped.Count);
        return claimed.Count;
    }

    /// <summary>
    /// Sends one message; a refusal of this message alone is settled here and the connection goes on.
    /// True when the server took it: the caller marks it SENT.
    /// </summary>
    private async Task<bool> SendOneAsync(IMailSession session, OutboxMessage message, MailboxAddress? replyTo, CancellationToken cancellationToken)
    {
        MimeMessage mime;
        try
        {
            mime = message.ToMimeMessage(settings.From, replyTo);
        }
        catch (ParseException)
        {
            await MarkFailedAsync(message, "the recipient is not a valid address", permanent: true);
            return false;
        }
        sealer.Seal(mime);
        try
        {
            await session.SendAsync(mime, cancellationToken);
        }
        catch (SmtpCommandException e)
        {
            // 5xx is the server's final word on this message; 4xx asks us to come back later.
            var permanent = (int)e.StatusCode >= 500;
            logger.LogWarning("Email {EmailId} ({Kind}) refused with SMTP {Code} on attempt {Attempt}{Final}",
                message.Id, message.Kind, (int)e.StatusCode, message.Attempts, permanent ? ", not retried" : "");
            await MarkFailedAsync(message, $"SMTP {(int)e.StatusCode}: {e.Message}", permanent);
            return false;
        }
        return true;
    }

    private Task MarkSentAsync(long[] ids) => ExecuteAsync("""
        UPDATE email_logs
        SET status = 'SENT', sent_at = now(), last_attempt_at = now(), claimed_until = NULL,
            next_attempt_at = NULL, last_error = NULL, status_token = NULL
        WHERE id = ANY(@ids)
        """, new { ids });

    /// <summary>
    /// Marks delivered messages SENT while the next ones are being sent, as many per statement as were
    /// delivered during the previous commit. One commit per message made the disk's flush, not SMTP, the
    /// pace of a drain (about 13 ms a message with fsync on, against about 1 ms to send one). A crash
    /// loses at most the marks not yet committed: those messages go out again after their lease, with
    /// the same Message-ID, as at-least-once delivery already allows.
    /// </summary>
    private sealed class SentMarks(EmailDelivery delivery)
    {
        private readonly List<long> waiting = [];
        private Task committing = Task.CompletedTask;

        public int Count { get; private set; }

        public void Add(long id)
        {
            waiting.Add(id);
            Count++;
            if (committing.IsCompleted)
                Start();
        }

        /// <summary>Waits until every mark added so far is committed.</summary>
        public async Task CommitAsync()
        {
            await committing;
            if (waiting.Count > 0)
            {
                Start();
                await committing;
            }
        }

        private void Start()
        {
            // A failed commit surfaces here (the worker reports the database as unreachable); its
            // messages stay claimed and are sent again after their lease.
            committing.GetAwaiter().GetResult();
            committing = delivery.MarkSentAsync([.. waiting]);
            waiting.Clear();
        }
    }

    private async Task<List<OutboxMessage>> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // MATERIALIZED: the batch is chosen once (a rescanned subquery would skip what it just claimed and claim more).
        var rows = await connection.QueryAsync<OutboxMessage>(new CommandDefinition("""
            WITH due AS MATERIALIZED (
                SELECT id FROM email_logs
                WHERE status <> 'SENT' AND next_attempt_at <= now()
                  AND (claimed_until IS NULL OR claimed_until < now())
                ORDER BY next_attempt_at, id
                LIMIT @BatchSize
                FOR UPDATE SKIP LOCKED)
            UPDATE email_logs e
            SET claimed_until = now() + @Lease, attempts = e.attempts + 1
            FROM due
            WHERE e.id = due.id
            RETURNING e.id, e.kind, e.recipient, e.subject, e.html_body AS HtmlBody, e.text_body AS TextBody,
                      e.message_id AS MessageId, e.attempts, e.status_token AS StatusToken
            """, new { Options.Lease, Options.BatchSize }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>
    /// Settles as SKIPPED the claimed copies of group messages whose runner is no longer in a status the
    /// message was written for (cancelled since, or paid since a "please pay"). Checked here, when the copy
    /// is about to leave, not when it was queued: a paced message waits for hours, and this one check
    /// covers every way a status changes.
    /// </summary>
    private async Task<HashSet<long>> SkipLeftGroupAsync(List<OutboxMessage> claimed)
    {
        var ids = claimed.Where(message => message.Kind is null).Select(message => message.Id).ToArray();
        if (ids.Length == 0)
            return [];
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        return (await connection.QueryAsync<long>("""
            UPDATE email_logs e
            SET status = 'SKIPPED', claimed_until = NULL, next_attempt_at = NULL,
                last_error = 'not sent: the runner''s status changed to ' || p.payment_status || ' after the message was queued'
            FROM group_messages g, participants p
            WHERE e.id = ANY(@ids) AND g.id = e.group_message_id AND p.id = e.participant_id
              AND p.payment_status <> ALL (g.statuses)
            RETURNING e.id
            """, new { ids })).ToHashSet();
    }

    private Task MarkFailedAsync(OutboxMessage message, string error, bool permanent, bool onlyIfClaimed = false)
    {
        var retry = !permanent && message.Attempts < Options.MaxAttempts;
        // onlyIfClaimed: after a broken connection, messages this batch already settled stay as they are.
        // A message given up forgets its status token: a resend links to the page that sends a new one.
        return ExecuteAsync($"""
            UPDATE email_logs
            SET status = 'FAILED', last_attempt_at = now(), claimed_until = NULL, last_error = @error,
                next_attempt_at = CASE WHEN @retry THEN now() + @delay END,
                status_token = CASE WHEN @retry THEN status_token END
            WHERE id = @Id {(onlyIfClaimed ? "AND claimed_until IS NOT NULL AND status <> 'SENT'" : "")}
            """, new { message.Id, error = Truncate(error), retry, delay = Options.RetryDelay(message.Attempts) });
    }

    private async Task ExecuteAsync(string sql, object parameters)
    {
        // Settling must not be cancelled half-way by shutdown: an unsettled message would only be
        // sent again after its lease, which is allowed but avoidable.
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql, parameters);
    }

    private static bool IsConnectionFailure(Exception e) =>
        e is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException
            or MailKit.ServiceNotConnectedException or MailKit.Security.AuthenticationException
            or System.Security.Authentication.AuthenticationException or SmtpCommandException or TimeoutException
            or OperationCanceledException;

    private static string Truncate(string value) => value.Length <= 1000 ? value : value[..1000];
}
