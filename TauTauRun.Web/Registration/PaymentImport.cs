using System.Text.Json;
using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Bank-statement lines matched to runners and paid in one go. An upload is kept as it was read until an
/// admin confirms it; each line is judged again at confirmation (someone may have paid a runner by hand
/// meanwhile). Matched lines are paid through <see cref="AdminChanges.MarkPaidAsync"/>, the same path as
/// a payment recorded by hand (bib, email, audit); every other line waits in the unmatched queue. A
/// line's identity is stored when it is confirmed, so the same line imported again pays nobody twice;
/// and a runner already paid is never paid again, whatever the lines say.
/// </summary>
public sealed class PaymentImport(NpgsqlDataSource dataSource, AdminChanges changes)
{
    public enum Kind { Matched, Several, Underpaid, Overpaid, UnknownReference, AlreadyPaid, AlreadyImported }

    /// <summary>What the matcher makes of one line: <see cref="Pays"/> lines are paid on confirmation.</summary>
    public sealed record Verdict(BankStatement.Line Line, Kind Kind, IReadOnlyList<string> References, long DueMinor)
    {
        public bool Pays => Kind is Kind.Matched or Kind.Several;
    }

    /// <summary>A line in the unmatched queue (a class: Dapper fills a text[] column through a property, not a constructor).</summary>
    public sealed class QueuedLine
    {
        public long Id { get; init; }
        public DateOnly BookedOn { get; init; }
        public string Description { get; init; } = "";
        public long AmountMinor { get; init; }
        public string Outcome { get; init; } = "";
        public string[] RunnerReferences { get; init; } = [];
    }

    private sealed record Due(long Id, string Reference, string Status, long AmountDueMinor);

    /// <summary>Keeps a read statement for confirmation and returns its id.</summary>
    public async Task<long> UploadAsync(string fileName, IReadOnlyList<BankStatement.Line> lines, AuditActor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO bank_imports (file_name, lines, uploaded_by) VALUES (@fileName, @lines::jsonb, @Name) RETURNING id
            """, new { fileName, lines = JsonSerializer.Serialize(lines), actor.Name });
    }

    /// <summary>The upload's lines as the matcher judges them now; null if there is no such upload.</summary>
    public async Task<(IReadOnlyList<Verdict> Verdicts, bool Confirmed)?> PreviewAsync(long importId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var upload = await connection.QuerySingleOrDefaultAsync<(string Lines, DateTime? ConfirmedAt)>(
            "SELECT lines::text, confirmed_at FROM bank_imports WHERE id = @importId", new { importId });
        if (upload.Lines is null)
            return null;
        return (await JudgeAsync(connection, null, Lines(upload.Lines)), upload.ConfirmedAt is not null);
    }

    /// <summary>
    /// Pays the matched lines and queues the rest. Null if there is no such upload; a second
    /// confirmation of the same upload (or a concurrent one) changes nothing.
    /// </summary>
    public async Task<IReadOnlyList<(Verdict Verdict, string Outcome)>?> ConfirmAsync(long importId, AuditActor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var upload = await connection.QuerySingleOrDefaultAsync<(string Lines, DateTime? ConfirmedAt)>(
            "SELECT lines::text, confirmed_at FROM bank_imports WHERE id = @importId FOR UPDATE", new { importId }, transaction);
        if (upload.Lines is null)
            return null;
        if (upload.ConfirmedAt is not null)
            return [];
        var results = new List<(Verdict, string)>();
        foreach (var verdict in await JudgeAsync(connection, transaction, Lines(upload.Lines)))
        {
            if (verdict.Kind == Kind.AlreadyImported)
                continue;
            var outcome = verdict.Kind.ToString();
            if (verdict.Pays)
            {
                var paid = 0;
                foreach (var runner in await DuesAsync(connection, transaction, verdict.References))
                {
                    var reference = $"statement {verdict.Line.BookedOn:yyyy-MM-dd}: {verdict.Line.Description}";
                    var done = await changes.MarkPaidAsync(runner.Id, new AdminChanges.Payment(runner.AmountDueMinor, "BANK_TRANSFER",
                        reference.Length > 100 ? reference[..100] : reference, verdict.Line.BookedOn), actor);
                    paid += done.Done ? 1 : 0;
                }
                // A runner paid by someone else meanwhile leaves the line for a person to look at.
                outcome = paid == verdict.References.Count ? "PAID" : "CHECK";
            }
            await connection.ExecuteAsync("""
                INSERT INTO bank_statement_lines (identity_hash, import_id, booked_on, description, amount_minor, outcome, runner_references)
                VALUES (@Identity, @importId, @BookedOn, @Description, @AmountMinor, @outcome, @references)
                ON CONFLICT (identity_hash) DO NOTHING
                """, new
            {
                verdict.Line.Identity, importId, verdict.Line.BookedOn, verdict.Line.Description, verdict.Line.AmountMinor, outcome,
                references = verdict.References.ToArray()
            }, transaction);
            results.Add((verdict, outcome));
        }
        await connection.ExecuteAsync("UPDATE bank_imports SET confirmed_at = now() WHERE id = @importId", new { importId }, transaction);
        await AuditLog.WriteAsync(transaction, actor, "payments.imported", new
        {
            importId,
            paid = results.Count(r => r.Item2 == "PAID"),
            queued = results.Count(r => r.Item2 != "PAID"),
        });
        await transaction.CommitAsync();
        return results;
    }

    /// <summary>Lines not paid automatically that nobody has dealt with yet, oldest first.</summary>
    public async Task<IReadOnlyList<QueuedLine>> UnmatchedAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<QueuedLine>("""
            SELECT id, booked_on, description, amount_minor, outcome, runner_references FROM bank_statement_lines
            WHERE resolved_at IS NULL AND outcome <> 'PAID' ORDER BY id LIMIT 500
            """)).AsList();
    }

    /// <summary>A person dealt with a queued line (paid the runner by hand, refunded the sender…): it leaves the queue.</summary>
    public async Task<bool> ResolveAsync(long lineId, string note, AuditActor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var resolved = await connection.ExecuteAsync("""
            UPDATE bank_statement_lines SET resolved_at = now(), resolved_by = @Name WHERE id = @lineId AND resolved_at IS NULL
            """, new { lineId, actor.Name }, transaction) == 1;
        if (resolved)
            await AuditLog.WriteAsync(transaction, actor, "payments.line_resolved", new { lineId, note });
        await transaction.CommitAsync();
        return resolved;
    }

    private static List<BankStatement.Line> Lines(string json) => JsonSerializer.Deserialize<List<BankStatement.Line>>(json)!;

    private static async Task<IReadOnlyList<Verdict>> JudgeAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, List<BankStatement.Line> lines)
    {
        var imported = (await connection.QueryAsync<string>("SELECT identity_hash FROM bank_statement_lines WHERE identity_hash = ANY(@identities)",
            new { identities = lines.Select(l => l.Identity).ToArray() }, transaction)).ToHashSet();
        var found = lines.ToDictionary(l => l.Identity, l => References.FindAll(l.Description));
        var dues = (await DuesAsync(connection, transaction, found.Values.SelectMany(r => r).Distinct().ToList())).ToDictionary(d => d.Reference);
        return lines.Select(line =>
        {
            var references = found[line.Identity];
            var runners = references.Select(r => dues.GetValueOrDefault(r)).ToList();
            var due = runners.Sum(r => r?.AmountDueMinor ?? 0);
            var kind = imported.Contains(line.Identity) ? Kind.AlreadyImported
                : references.Count == 0 || runners.Contains(null) ? Kind.UnknownReference
                : runners.Any(r => !r!.Status.IsIn(ParticipantStatus.AwaitsPayment)) ? Kind.AlreadyPaid
                : line.AmountMinor < due ? Kind.Underpaid
                : line.AmountMinor > due ? Kind.Overpaid
                : references.Count > 1 ? Kind.Several
                : Kind.Matched;
            return new Verdict(line, kind, references, due);
        }).ToList();
    }

    private static async Task<IReadOnlyList<Due>> DuesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<string> references) =>
        (await connection.QueryAsync<Due>("""
            SELECT id, reference, payment_status AS status, amount_due_minor FROM participants WHERE reference = ANY(@references)
            """, new { references = references.ToArray() }, transaction)).AsList();
}
