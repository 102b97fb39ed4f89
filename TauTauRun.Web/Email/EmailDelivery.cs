using Dapper;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;
using Npgsql;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Email;

/// <summary>
/// Delivers due messages from the outbox. Messages are claimed in batches with <c>FOR UPDATE SKIP
/// LOCKED</c> and a lease, so any number of workers in any number of instances share the work without
/// sending a message twice, and a crashed worker's claim comes back when its lease runs out. Delivery is
/// at least once: a crash between the server's acceptance and the database update sends the message
/// again, with the same Message-ID; no message is ever skipped.
/// </summary>
public sealed class EmailDelivery(
    NpgsqlDataSource dataSource, IMailTransport transport, EmailSettings settings, EventSettingsStore eventSettings,
    DkimSealer sealer, IOptions<EmailDeliveryOptions> options, ILogger<EmailDelivery> logger)
{
    private EmailDeliveryOptions Options => options.Value;

    /// <summary>
    /// Delivers everything due: batch after batch for as long as the claims come back full (a drain),
    /// over one SMTP connection. Returns how many messages it claimed; 0 when none were due.
    /// </summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        // Taken when sent, not when queued: a reply address changed meanwhile is the one used. Read
        // before claiming, so a failed read leaves no batch waiting for its lease.
        var replyTo = (await eventSettings.LoadAsync()).ReplyTo is { Length: > 0 } address ? MailboxAddress.Parse(address) : null;
        var batch = await ClaimAsync(cancellationToken);
        if (batch.Count == 0)
            return 0;
        await using var drain = new Drain(this, transport, replyTo, cancellationToken);
        try
        {
            while (batch.Count > 0)
                batch = await drain.SendAsync(batch);
            await drain.Sent.CommitAsync();
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            // The connection is gone: every message claimed and not yet settled waits for its retry.
            logger.LogWarning("Email delivery through {Transport} failed: {Reason}", transport.Describe(), e.Message);
            await drain.Sent.CommitAsync();
            foreach (var message in await drain.UnsettledAsync())
                await MarkFailedAsync(message, $"{e.GetType().Name}: {e.Message}", permanent: false, onlyIfClaimed: true);
        }
        logger.LogInformation("Email drain: {Sent} of {Claimed} delivered through {Transport}, {Skipped} skipped",
            drain.Sent.Count, drain.Claimed, transport.Describe(), drain.Skipped);
        return drain.Claimed;
    }

    /// <summary>
    /// One drain: its SMTP connection, its SENT marks and its counts. Each message is built (MIME and
    /// DKIM seal) on the thread pool while the one before it is on the wire, and the next batch is
    /// claimed while the last messages of a full one are sent.
    /// </summary>
    private sealed class Drain(EmailDelivery delivery, IMailTransport transport, MailboxAddress? replyTo, CancellationToken cancellationToken)
        : IAsyncDisposable
    {
        /// <summary>
        /// At most this many messages go over one connection, then a new one is opened: below the
        /// per-connection limits of common servers (Exim's default is 1,000), so none cuts a drain off.
        /// </summary>
        private const int MessagesPerConnection = 500;

        /// <summary>
        /// The next batch is claimed when this many messages of a full batch are left: the claim's round
        /// trip overlaps the last sends, and a claimed batch waits only these few messages for its turn,
        /// however slow the server (its lease runs from the claim).
        /// </summary>
        private const int ClaimAheadMessages = 10;

        private IMailSession? session;
        private int sentOnSession;
        private List<OutboxMessage> current = [];
        private Task<List<OutboxMessage>>? next;

        public SentMarks Sent { get; } = new(delivery.MarkSentAsync);
        public int Claimed { get; private set; }
        public int Skipped { get; private set; }

        /// <summary>Sends a claimed batch; returns the next one, empty when this one was not full (nothing more was due).</summary>
        public async Task<List<OutboxMessage>> SendAsync(List<OutboxMessage> batch)
        {
            current = batch;
            Claimed += batch.Count;
            var full = batch.Count == delivery.Options.BatchSize;
            var skipped = await delivery.SkipLeftGroupAsync(batch);
            Skipped += skipped.Count;
            var messages = batch.Where(message => !skipped.Contains(message.Id)).ToList();
            var claimAheadAt = full ? Math.Max(0, messages.Count - ClaimAheadMessages) : -1;
            var building = messages.Count > 0 ? Task.Run(() => delivery.Build(messages[0], replyTo)) : null;
            for (var i = 0; i < messages.Count; i++)
            {
                if (i == claimAheadAt)
                    next = delivery.ClaimAsync(cancellationToken);
                var mime = await building!;
                var following = i + 1 < messages.Count ? messages[i + 1] : null;
                building = following is null ? null : Task.Run(() => delivery.Build(following, replyTo));
                if (mime is null)
                    await delivery.MarkFailedAsync(messages[i], "the recipient is not a valid address", permanent: true);
                else if (await delivery.SendOneAsync(await SessionAsync(), messages[i], mime, cancellationToken))
                    Sent.Add(messages[i].Id);
            }
            if (full)
                next ??= delivery.ClaimAsync(cancellationToken);
            var nextBatch = next is null ? [] : await next;
            next = null;
            return nextBatch;
        }

        /// <summary>The batch being sent and the one claimed ahead; that claim's rows come back after their lease if it failed.</summary>
        public async Task<IEnumerable<OutboxMessage>> UnsettledAsync()
        {
            try
            {
                return next is null ? current : current.Concat(await next);
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
            {
                return current;
            }
        }

        private async Task<IMailSession> SessionAsync()
        {
            if (session is not null && sentOnSession == MessagesPerConnection)
            {
                await session.DisposeAsync();
                session = null;
            }
            if (session is null)
            {
                session = await transport.OpenAsync(cancellationToken);
                sentOnSession = 0;
            }
            sentOnSession++;
            return session;
        }

        public async ValueTask DisposeAsync()
        {
            if (session is not null)
                await session.DisposeAsync();
        }
    }

    /// <summary>The message as it goes out, DKIM-sealed; null when the recipient is not a valid address.</summary>
    private MimeMessage? Build(OutboxMessage message, MailboxAddress? replyTo)
    {
        MimeMessage mime;
        try
        {
            mime = message.ToMimeMessage(settings.From, replyTo);
        }
        catch (ParseException)
        {
            return null;
        }
        sealer.Seal(mime);
        return mime;
    }

    /// <summary>
    /// Sends one message; a refusal of this message alone is settled here and the connection goes on.
    /// True when the server took it: the caller marks it SENT.
    /// </summary>
    private async Task<bool> SendOneAsync(IMailSession session, OutboxMessage message, MimeMessage mime, CancellationToken cancellationToken)
    {
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

    private Task MarkSentAsync(long[] ids) => ExecuteAsync("""
        UPDATE email_logs
        SET status = 'SENT', sent_at = now(), last_attempt_at = now(), claimed_until = NULL,
            next_attempt_at = NULL, last_error = NULL, status_token = NULL
        WHERE id = ANY(@ids)
        """, new { ids });

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
