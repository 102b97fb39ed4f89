using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Email;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Changes to a runner's payment status, each in one transaction with its audit row and, where the
/// runner should hear of it, its email. The runner's row is locked first, so when two admins act on the
/// same runner at once exactly one change wins (one bib, one email, one audit row) and the other is told
/// what happened instead.
/// </summary>
public sealed class Payments(NpgsqlDataSource dataSource, EmailOutbox outbox, Places places)
{
    public static readonly IReadOnlyList<string> Methods = ["BANK_TRANSFER", "CASH", "CARD", "OTHER"];

    public sealed record Payment(long AmountMinor, string Method, string? BankReference, DateOnly PaidOn);

    /// <summary>What happened; <see cref="Message"/> is for the admin, in plain words.</summary>
    public sealed record Outcome(bool Done, string Message, int? Bib = null)
    {
        public bool NoSuchRunner { get; init; }
    }

    public Task<Outcome> MarkPaidAsync(long participantId, Payment payment, AuditActor actor) =>
        ChangeAsync(participantId, ["PENDING", "OFFERED"], async (transaction, runner) =>
        {
            // A runner who was paid before and put back to PENDING keeps the bib they had.
            var bib = runner.Bib ?? await NextBibAsync(transaction, runner.CategoryId);
            if (bib is null)
                return new Outcome(false, $"No bib numbers are left in the range of {runner.CategoryName}: widen the range in the race's settings, then try again.");
            await transaction.Connection!.ExecuteAsync("""
                UPDATE participants
                SET payment_status = 'PAID', amount_paid_minor = @AmountMinor, payment_method = @Method,
                    payment_bank_reference = @BankReference, paid_on = @PaidOn, payment_recorded_by = @AdminId,
                    payment_recorded_at = now(), bib = @bib, offer_expires_at = NULL, status_changed_at = now(), updated_at = now()
                WHERE id = @participantId
                """, new { payment.AmountMinor, payment.Method, payment.BankReference, payment.PaidOn, actor.AdminId, bib, participantId }, transaction);
            await outbox.QueueAsync(transaction, participantId, EmailKind.PaymentConfirmed);
            await AuditLog.WriteAsync(transaction, actor, "payment.marked_paid", new
            {
                before = new { status = runner.Status },
                after = new { status = "PAID", payment.AmountMinor, payment.Method, payment.BankReference, payment.PaidOn, bib },
            }, participantId);
            return new Outcome(true, $"{runner.Reference} is paid: bib {bib}. The confirmation email is on its way.", bib);
        });

    /// <summary>A payment recorded by mistake: back to PENDING (the payment deadline starts again), bib kept for them.</summary>
    public Task<Outcome> MarkPendingAsync(long participantId, string reason, AuditActor actor) =>
        ChangeAsync(participantId, ["PAID"], async (transaction, runner) =>
        {
            await transaction.Connection!.ExecuteAsync("""
                UPDATE participants
                SET payment_status = 'PENDING', amount_paid_minor = NULL, payment_method = NULL, payment_bank_reference = NULL,
                    paid_on = NULL, payment_recorded_by = NULL, payment_recorded_at = NULL, status_changed_at = now(), updated_at = now()
                WHERE id = @participantId
                """, new { participantId }, transaction);
            await AuditLog.WriteAsync(transaction, actor, "payment.marked_pending",
                new { before = new { status = runner.Status }, after = new { status = "PENDING" }, reason }, participantId);
            return new Outcome(true, $"{runner.Reference} is back to waiting for payment.");
        });

    /// <summary>Cancels a registration: the place goes to the waiting list and the runner gets an email.</summary>
    public Task<Outcome> CancelAsync(long participantId, string reason, AuditActor actor) =>
        ChangeAsync(participantId, ["PENDING", "PAID", "OFFERED", "WAITLISTED"], async (transaction, runner) =>
        {
            await SetStatusAsync(transaction, participantId, "CANCELLED");
            await places.ReleaseAsync(transaction, participantId);
            await outbox.QueueAsync(transaction, participantId, EmailKind.RegistrationCancelled);
            await AuditLog.WriteAsync(transaction, actor, "registration.cancelled",
                new { before = new { status = runner.Status }, after = new { status = "CANCELLED" }, reason }, participantId);
            return new Outcome(true, $"{runner.Reference} is cancelled{(runner.Status == "PAID" ? ": record the refund when it is made" : "")}.");
        });

    /// <summary>Records a refund (of a paid or a cancelled paid registration); a place still held is given back.</summary>
    public Task<Outcome> RefundAsync(long participantId, string reason, AuditActor actor) =>
        ChangeAsync(participantId, ["PAID", "CANCELLED"], async (transaction, runner) =>
        {
            if (runner.Status == "CANCELLED" && runner.AmountPaidMinor is null)
                return new Outcome(false, $"{runner.Reference} never paid, so there is nothing to refund.");
            await SetStatusAsync(transaction, participantId, "REFUNDED");
            await places.ReleaseAsync(transaction, participantId);
            await AuditLog.WriteAsync(transaction, actor, "payment.refunded",
                new { before = new { status = runner.Status }, after = new { status = "REFUNDED" }, runner.AmountPaidMinor, reason }, participantId);
            return new Outcome(true, $"{runner.Reference} is refunded.");
        });

    private record Runner(long Id, string Reference, string Status, long CategoryId, string CategoryName, int? Bib, long? AmountPaidMinor);

    private async Task<Outcome> ChangeAsync(long participantId, string[] from, Func<NpgsqlTransaction, Runner, Task<Outcome>> change)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var runner = await connection.QuerySingleOrDefaultAsync<Runner>("""
            SELECT p.id, p.reference, p.payment_status AS status, p.category_id, c.name AS category_name, p.bib, p.amount_paid_minor
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            WHERE p.id = @participantId
            FOR UPDATE OF p
            """, new { participantId }, transaction);
        if (runner is null)
            return new Outcome(false, "There is no such runner.") { NoSuchRunner = true };
        if (!from.Contains(runner.Status))
            return new Outcome(false, $"{runner.Reference} is {runner.Status} now (someone may just have changed it), so this was not done.");
        var outcome = await change(transaction, runner);
        if (outcome.Done)
            await transaction.CommitAsync();
        return outcome;
    }

    private static Task SetStatusAsync(NpgsqlTransaction transaction, long participantId, string status) =>
        transaction.Connection!.ExecuteAsync("""
            UPDATE participants SET payment_status = @status, offer_expires_at = NULL, status_changed_at = now(), updated_at = now()
            WHERE id = @participantId
            """, new { participantId, status }, transaction);

    /// <summary>
    /// The next bib in the category's range: one above the highest ever given in it, so a bib is never
    /// handed out twice even after its runner cancelled. The category row is locked meanwhile, so two
    /// payments in one category queue for a moment instead of drawing the same number.
    /// </summary>
    private static async Task<int?> NextBibAsync(NpgsqlTransaction transaction, long categoryId)
    {
        var range = await transaction.Connection!.QuerySingleAsync<(int First, int Last)>(
            "SELECT bib_first, bib_last FROM race_categories WHERE id = @categoryId FOR UPDATE", new { categoryId }, transaction);
        var next = await transaction.Connection!.ExecuteScalarAsync<int>("""
            SELECT coalesce(max(bib) + 1, @First) FROM participants
            WHERE category_id = @categoryId AND bib BETWEEN @First AND @Last
            """, new { categoryId, range.First, range.Last }, transaction);
        return next <= range.Last ? next : null;
    }
}
