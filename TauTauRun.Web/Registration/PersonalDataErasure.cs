using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using static TauTauRun.Web.Registration.ParticipantStatus;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Erases runners' personal data (Indonesia's UU PDP): everyone's once the event is
/// <see cref="EventSettings.ErasePersonalDataDays"/> days past, or one runner's at their request at any time.
/// Names, contacts, guardians, medical notes, clubs, notes, bank texts and email texts become placeholders
/// that satisfy the columns' CHECKs; the birth date becomes one with the same age group on race day. The
/// reference, race, status, bib, T-shirt size, payment and the audit trail's rows stay, so every count
/// does. A preview is the same erasure rolled back: it reports exactly what a confirmed run changes.
/// </summary>
public sealed class PersonalDataErasure(NpgsqlDataSource dataSource, EventSettingsStore settingsStore, Cancellation cancellation)
{
    /// <summary>What replaces a text that could identify someone.</summary>
    public const string Erased = "[erased]";

    /// <summary>How much was (or would be) erased: runners, their emails (and how many of those will now never be sent), audit rows and bank texts.</summary>
    public sealed record Report(int Runners, int Emails, int UnsentEmails, int AuditRows, int BankTexts)
    {
        public bool IsEmpty => Runners + Emails + AuditRows + BankTexts == 0;
        /// <summary>For the audit row.</summary>
        public object Counts => new { Runners, Emails, UnsentEmails, AuditRows, BankTexts };
    }

    /// <summary>What happened, in plain words for the admin.</summary>
    public sealed record Outcome(bool Done, string Message, Report? Report = null)
    {
        public bool NoSuchRunner { get; init; }
        /// <summary>Not allowed now (before the date, or already erased): nothing changed.</summary>
        public bool Refused { get; init; }
    }

    /// <summary>What erasing the event's personal data would change now.</summary>
    public async Task<Report> PreviewEventAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        return await EraseAsync(transaction, [], await settingsStore.LoadAsync(transaction));
    }

    /// <summary>Erases every runner not erased yet; refused before <see cref="EventSettings.ErasableFrom"/>. A second run finds nothing left.</summary>
    public async Task<Outcome> EraseEventAsync(AuditActor actor)
    {
        var settings = await settingsStore.LoadAsync();
        if (DateTime.UtcNow < settings.ErasableFrom)
            return new Outcome(false, $"Personal data can be erased from {settings.Local(settings.ErasableFrom):d MMMM yyyy HH:mm}, " +
                                      $"{settings.ErasePersonalDataDays} days after the race start (see Settings). Nothing was erased.")
            { Refused = true };
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var report = await EraseAsync(transaction, [], settings);
        if (report.IsEmpty)
            return new Outcome(true, "Nothing was left to erase: every runner's personal data is erased already.", report);
        await AuditLog.WriteAsync(transaction, actor, "personal_data.erased", report.Counts);
        await transaction.CommitAsync();
        return new Outcome(true, $"Erased the personal data of {report.Runners} runners.", report);
    }

    /// <summary>What erasing this runner would do now (a runner still in the race is cancelled first).</summary>
    public Task<Outcome> PreviewRunnerAsync(long participantId) => RunnerAsync(participantId, null);

    /// <summary>
    /// A runner's own erasure request: a runner still in the race is cancelled first, as an admin's
    /// cancellation is (the place to the waiting list), then their data is erased; both audited. Their
    /// row is locked first, so a payment recorded at the same moment either comes before (and the message
    /// says to refund it) or finds the runner cancelled.
    /// </summary>
    public Task<Outcome> EraseRunnerAsync(long participantId, AuditActor actor) => RunnerAsync(participantId, actor);

    private async Task<Outcome> RunnerAsync(long participantId, AuditActor? actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var runner = await connection.QuerySingleOrDefaultAsync<(string Reference, string Status, DateTime? ErasedAt, long? AmountPaidMinor, string Currency)?>("""
            SELECT reference, payment_status, erased_at, amount_paid_minor, currency FROM participants WHERE id = @participantId FOR UPDATE
            """, new { participantId }, transaction);
        if (runner is not { } r)
            return new Outcome(false, "There is no such runner.") { NoSuchRunner = true };
        if (r.ErasedAt is not null)
            return new Outcome(false, $"{r.Reference}'s personal data was erased already ({r.ErasedAt:yyyy-MM-dd HH:mm} UTC).") { Refused = true };
        var cancels = r.Status.IsIn(Active) && await cancellation.CancelAsync(transaction, participantId);
        var report = await EraseAsync(transaction, [participantId], await settingsStore.LoadAsync(transaction));
        var refund = r.Status == Paid ? $" They had paid {Money.Format(r.AmountPaidMinor ?? 0, r.Currency)}: record the refund when it is made." : "";
        var message = (cancels ? $"{r.Reference} is cancelled (the place went to the waiting list) and" : r.Reference) +
                      $" {(actor is null ? "would have" : "has")} no personal data left.{refund}";
        if (actor is null)
            return new Outcome(true, message, report);
        if (cancels)
            await AuditLog.WriteAsync(transaction, actor, "registration.cancelled",
                new { before = new { status = r.Status }, after = new { status = Cancelled }, reason = "personal data erasure" }, participantId);
        await AuditLog.WriteAsync(transaction, actor, "participant.erased", report.Counts, participantId);
        await transaction.CommitAsync();
        return new Outcome(true, message, report);
    }

    /// <summary>Erases the given runners (none given: every runner, and every bank text), inside the caller's transaction.</summary>
    private static async Task<Report> EraseAsync(NpgsqlTransaction transaction, long[] only, EventSettings settings)
    {
        var connection = transaction.Connection!;
        var all = only.Length == 0;
        var runners = (await connection.QueryAsync<(long Id, string Reference, string FullName)>("""
            SELECT id, reference, full_name FROM participants
            WHERE erased_at IS NULL AND (@all OR id = ANY(@only)) ORDER BY id FOR UPDATE
            """, new { all, only }, transaction)).AsList();
        var ids = runners.Select(r => r.Id).ToArray();
        // Bank texts name whoever paid: a single runner's by their reference or a name of four letters or more, after the event all of them.
        var match = new
        {
            all, Erased,
            references = runners.Select(r => r.Reference.Replace("-", "")).ToArray(),
            names = runners.Select(r => r.FullName.ToLowerInvariant()).Where(n => n.Length >= 4).ToArray(),
        };
        var bankTexts = await connection.ExecuteAsync($"""
            UPDATE bank_statement_lines SET description = @Erased
            WHERE description <> @Erased AND {Identifies("description")}
            """, match, transaction);
        bankTexts += await connection.ExecuteAsync($"""
            UPDATE bank_imports i
            SET lines = (SELECT jsonb_agg(CASE WHEN l->>'Description' <> @Erased AND {Identifies("l->>'Description'")}
                                              THEN jsonb_set(l, ARRAY['Description'], to_jsonb(@Erased::text)) ELSE l END ORDER BY n)
                         FROM jsonb_array_elements(i.lines) WITH ORDINALITY AS e(l, n))
            WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(i.lines) l
                          WHERE l->>'Description' <> @Erased AND {Identifies("l->>'Description'")})
            """, match, transaction);

        await connection.ExecuteAsync("""
            UPDATE participants p
            SET full_name = 'Erased runner', email = 'erased-' || p.id || '@erased.invalid', phone = '000000',
                date_of_birth = (@raceDay - make_interval(years => CASE WHEN a.age < 20 THEN 19 WHEN a.age < 35 THEN 20 ELSE a.age / 5 * 5 END))::date,
                emergency_contact_name = 'Erased', emergency_contact_phone = '000000', medical_notes = '', club = '', internal_notes = '',
                guardian_name = CASE WHEN p.guardian_name IS NOT NULL THEN 'Erased' END,
                guardian_phone = CASE WHEN p.guardian_phone IS NOT NULL THEN '000000' END,
                payment_bank_reference = CASE WHEN p.payment_bank_reference IS NOT NULL THEN @Erased END,
                -- the status link dies: nobody knows a token with this hash
                access_token_hash = sha256(convert_to(gen_random_uuid()::text, 'UTF8')), pending_token_hash = NULL,
                erased_at = now(), updated_at = now()
            FROM (SELECT id, extract(year FROM age(@raceDay, date_of_birth))::int AS age FROM participants WHERE id = ANY(@ids)) a
            WHERE a.id = p.id
            """, new { ids, raceDay = DateOnly.FromDateTime(settings.Local(settings.StartsAt)), Erased }, transaction);

        var unsent = await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM email_logs WHERE participant_id = ANY(@ids) AND status <> 'SENT' AND next_attempt_at IS NOT NULL", new { ids }, transaction);
        // Mail not sent yet is never sent: it would go to the placeholder address with an empty body.
        var emails = await connection.ExecuteAsync("""
            UPDATE email_logs e
            SET recipient = p.email, subject = @Erased, html_body = '', text_body = '', status_token = NULL,
                last_error = CASE WHEN e.status <> 'SENT' AND e.next_attempt_at IS NOT NULL THEN 'not sent: personal data erased'
                                  WHEN e.last_error IS NOT NULL THEN @Erased END,
                status = CASE WHEN e.status = 'QUEUED' THEN 'FAILED' ELSE e.status END,
                next_attempt_at = NULL, claimed_until = NULL
            FROM participants p
            WHERE p.id = e.participant_id AND p.id = ANY(@ids)
            """, new { ids, Erased }, transaction);

        return new Report(ids.Length, emails, unsent, await RedactAuditAsync(transaction, ids, all), bankTexts);
    }

    /// <summary>A text column or expression that names one of the runners (@references, @names), or every one when @all.</summary>
    private static string Identifies(string text) => $"""
        (@all OR EXISTS (SELECT 1 FROM unnest(@references) r WHERE strpos(upper(regexp_replace({text}, '[^[:alnum:]]', '', 'g')), r) > 0)
              OR EXISTS (SELECT 1 FROM unnest(@names) n WHERE strpos(lower({text}), n) > 0))
        """;

    /// <summary>Keys whose values say nothing about a person: kept, so the trail still tells what happened.</summary>
    private static readonly HashSet<string> KeptKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "status", "method", "paidon", "gender", "tshirtsize", "currency", "fields",
    };

    /// <summary>
    /// The runners' audit rows (and, after the event, the notes on resolved bank lines) keep their who, what
    /// and when; every text in their details becomes <see cref="Erased"/> and a runner's client address is
    /// dropped, through the one UPDATE the append-only trigger allows (migration 74).
    /// </summary>
    private static async Task<int> RedactAuditAsync(NpgsqlTransaction transaction, long[] ids, bool all)
    {
        var connection = transaction.Connection!;
        var rows = await connection.QueryAsync<(long Id, string Details, bool ClearIp)>("""
            SELECT id, details::text, actor = 'runner' AND ip IS NOT NULL FROM audit_log
            WHERE participant_id = ANY(@ids) OR (@all AND action = 'payments.line_resolved')
            """, new { ids, all }, transaction);
        var changed = new List<(long Id, string Details, bool ClearIp)>();
        foreach (var row in rows)
        {
            var details = JsonNode.Parse(row.Details);
            if (Redact(details) || row.ClearIp)
                changed.Add((row.Id, details!.ToJsonString(), row.ClearIp));
        }
        if (changed.Count == 0)
            return 0;
        await connection.ExecuteAsync("SELECT set_config('tautaurun.audit_redact', 'on', true)", transaction: transaction);
        await connection.ExecuteAsync("""
            UPDATE audit_log a SET details = r.details::jsonb, ip = CASE WHEN r.clear_ip THEN NULL ELSE a.ip END
            FROM unnest(@ids, @details, @clearIps) AS r(id, details, clear_ip)
            WHERE a.id = r.id
            """, new
        {
            ids = changed.Select(c => c.Id).ToArray(), details = changed.Select(c => c.Details).ToArray(),
            clearIps = changed.Select(c => c.ClearIp).ToArray(),
        }, transaction);
        await connection.ExecuteAsync("SELECT set_config('tautaurun.audit_redact', 'off', true)", transaction: transaction);
        return changed.Count;
    }

    /// <summary>Replaces every text below <paramref name="node"/> (except under <see cref="KeptKeys"/>); true if anything changed.</summary>
    private static bool Redact(JsonNode? node)
    {
        var changed = false;
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(property => property.Key).ToList())
                    if (!KeptKeys.Contains(name.Replace("_", "")))
                        changed |= RedactChild(obj[name], value => obj[name] = value);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var index = i;
                    changed |= RedactChild(array[i], value => array[index] = value);
                }
                break;
        }
        return changed;
    }

    private static bool RedactChild(JsonNode? child, Action<JsonNode> replace)
    {
        if (child is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            return Redact(child);
        if (value.GetValue<string>() == Erased)
            return false;
        replace(JsonValue.Create(Erased));
        return true;
    }
}
