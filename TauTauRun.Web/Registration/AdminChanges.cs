using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Email;
using static TauTauRun.Web.Registration.ParticipantStatus;

namespace TauTauRun.Web.Registration;

/// <summary>
/// What an admin changes on a runner: payment status, cancellation, refund and the runner's details,
/// each in one transaction with its audit row and, where the runner should hear of it, its email. The
/// runner's row is locked first, so when two admins act on the same runner at once exactly one change
/// wins (one bib, one email, one audit row) and the other is told what happened instead.
/// </summary>
public sealed class AdminChanges(NpgsqlDataSource dataSource, EmailOutbox outbox, Places places, Cancellation cancellation)
{
    public static readonly IReadOnlyList<string> Methods = ["BANK_TRANSFER", "CASH", "CARD", "OTHER"];

    public sealed record Payment(long AmountMinor, string Method, string? BankReference, DateOnly PaidOn);

    /// <summary>A runner's details as an admin edits them (all of them, and the admins' own notes).</summary>
    public sealed record Details(string FullName, string Email, string Phone, DateOnly DateOfBirth, string Gender, string TshirtSize,
        string EmergencyContactName, string EmergencyContactPhone, string Club, string MedicalNotes, string InternalNotes);

    /// <summary>What happened; <see cref="Message"/> is for the admin, in plain words.</summary>
    public sealed record Outcome(bool Done, string Message, int? Bib = null)
    {
        public bool NoSuchRunner { get; init; }
        /// <summary>Refused because another active registration in the race has the address.</summary>
        public bool EmailTaken { get; init; }
    }

    public Task<Outcome> MarkPaidAsync(long participantId, Payment payment, AuditActor actor) =>
        ChangeAsync(participantId, AwaitsPayment, (transaction, runner) => PayAsync(transaction, runner, payment, actor, null));

    /// <summary>
    /// Pays a registration inside the caller's transaction (a coupon that makes it free, in the
    /// registration's own): the same bib, email and audit row as a payment an admin records. The
    /// confirmation carries the runner's status link when <paramref name="statusToken"/> is given.
    /// </summary>
    public async Task<Outcome> MarkPaidWithinAsync(NpgsqlTransaction transaction, long participantId, Payment payment, AuditActor actor, string statusToken) =>
        await PayAsync(transaction, await LoadAsync(transaction, participantId) ?? throw new InvalidOperationException("the runner was just inserted"),
            payment, actor, statusToken);

    private async Task<Outcome> PayAsync(NpgsqlTransaction transaction, Runner runner, Payment payment, AuditActor actor, string? statusToken)
    {
        var participantId = runner.Id;
        // A runner who was paid before and put back to PENDING keeps the bib they had.
        var bib = runner.Bib ?? await Bibs.NextAsync(transaction, runner.CategoryId);
        if (bib is null)
            return new Outcome(false, $"No bib numbers are left in the range of {runner.CategoryName}: widen the range in the race's settings, then try again.");
        await transaction.Connection!.ExecuteAsync($"""
            UPDATE participants
            SET payment_status = '{Paid}', amount_paid_minor = @AmountMinor, payment_method = @Method,
                payment_bank_reference = @BankReference, paid_on = @PaidOn, payment_recorded_by = @AdminId,
                payment_recorded_at = now(), bib = @bib, offer_expires_at = NULL,
                email_confirmed_at = coalesce(email_confirmed_at, now()), -- a payment confirms the runner as well as a link could
                {StatusChange.Stamp}
            WHERE id = @participantId
            """, new { payment.AmountMinor, payment.Method, payment.BankReference, payment.PaidOn, actor.AdminId, bib, participantId }, transaction);
        await outbox.QueueAsync(transaction, participantId, EmailKind.PaymentConfirmed, statusToken);
        await AuditLog.WriteAsync(transaction, actor, "payment.marked_paid", new
        {
            before = new { status = runner.Status },
            after = new { status = Paid, payment.AmountMinor, payment.Method, payment.BankReference, payment.PaidOn, bib },
        }, participantId);
        return new Outcome(true, $"{runner.Reference} is paid: bib {bib}. The confirmation email is on its way.", bib);
    }

    /// <summary>Marks each runner paid with the amount due, by bank transfer, today; each in its own transaction.</summary>
    public async Task<IReadOnlyList<Outcome>> MarkPaidInFullAsync(long[] participantIds, AuditActor actor)
    {
        IEnumerable<(long Id, long Amount)> due;
        await using (var connection = await dataSource.OpenConnectionAsync())
            due = await connection.QueryAsync<(long, long)>(
                "SELECT id, amount_due_minor FROM participants WHERE id = ANY(@participantIds)", new { participantIds });
        var outcomes = new List<Outcome>();
        foreach (var (id, amount) in due)
            outcomes.Add(await MarkPaidAsync(id, new Payment(amount, "BANK_TRANSFER", null, DateOnly.FromDateTime(DateTime.UtcNow)), actor));
        return outcomes;
    }

    /// <summary>A payment recorded by mistake: back to PENDING (the payment deadline starts again), bib kept for them.</summary>
    public Task<Outcome> MarkPendingAsync(long participantId, string reason, AuditActor actor) =>
        ChangeAsync(participantId, [Paid], async (transaction, runner) =>
        {
            await transaction.Connection!.ExecuteAsync($"""
                UPDATE participants
                SET payment_status = '{Pending}', amount_paid_minor = NULL, payment_method = NULL, payment_bank_reference = NULL,
                    paid_on = NULL, payment_recorded_by = NULL, payment_recorded_at = NULL, {StatusChange.Stamp}
                WHERE id = @participantId
                """, new { participantId }, transaction);
            await AuditLog.WriteAsync(transaction, actor, "payment.marked_pending",
                new { before = new { status = runner.Status }, after = new { status = Pending }, reason }, participantId);
            return new Outcome(true, $"{runner.Reference} is back to waiting for payment.");
        });

    /// <summary>Cancels a registration: the place goes to the waiting list and the runner gets an email.</summary>
    public Task<Outcome> CancelAsync(long participantId, string reason, AuditActor actor) =>
        ChangeAsync(participantId, Active, async (transaction, runner) =>
        {
            await cancellation.CancelAsync(transaction, participantId);
            await AuditLog.WriteAsync(transaction, actor, "registration.cancelled",
                new { before = new { status = runner.Status }, after = new { status = Cancelled }, reason }, participantId);
            return new Outcome(true, $"{runner.Reference} is cancelled{(runner.Status == Paid ? ": record the refund when it is made" : "")}.");
        });

    /// <summary>Cancels each runner with the same reason, each in its own transaction like a single cancellation.</summary>
    public async Task<IReadOnlyList<Outcome>> CancelAllAsync(IEnumerable<long> participantIds, string reason, AuditActor actor)
    {
        var outcomes = new List<Outcome>();
        foreach (var id in participantIds)
            outcomes.Add(await CancelAsync(id, reason, actor));
        return outcomes;
    }

    /// <summary>Records a refund (of a paid or a cancelled paid registration); a place still held is given back.</summary>
    public Task<Outcome> RefundAsync(long participantId, string reason, AuditActor actor) =>
        ChangeAsync(participantId, [Paid, Cancelled], async (transaction, runner) =>
        {
            if (runner.Status == Cancelled && runner.AmountPaidMinor is null)
                return new Outcome(false, $"{runner.Reference} never paid, so there is nothing to refund.");
            await StatusChange.MoveAsync(transaction, participantId, Refunded, [runner.Status]);
            await places.ReleaseAsync(transaction, participantId);
            await AuditLog.WriteAsync(transaction, actor, "payment.refunded",
                new { before = new { status = runner.Status }, after = new { status = Refunded }, runner.AmountPaidMinor, reason }, participantId);
            return new Outcome(true, $"{runner.Reference} is refunded.");
        });

    /// <summary>
    /// Corrects a runner's details (already checked by <see cref="RunnerFields"/>), unless the runner
    /// changed since <paramref name="loadedAt"/> (their <c>updated_at</c> when the admin's form was
    /// filled): a newer change is never overwritten. The audit row holds the values before and after.
    /// </summary>
    public async Task<Outcome> EditAsync(long participantId, Details after, DateTime loadedAt, AuditActor actor)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var updatedAt = await connection.ExecuteScalarAsync<DateTime?>(
            "SELECT updated_at FROM participants WHERE id = @participantId FOR UPDATE", new { participantId }, transaction);
        if (updatedAt is null)
            return new Outcome(false, "There is no such runner.") { NoSuchRunner = true };
        if (updatedAt != loadedAt)
            return new Outcome(false, "Someone else changed this runner while you were editing: reload the page and make your change again.");
        var before = await connection.QuerySingleAsync<Details>("""
            SELECT full_name, email, phone, date_of_birth, gender, tshirt_size, emergency_contact_name, emergency_contact_phone,
                   club, medical_notes, internal_notes
            FROM participants WHERE id = @participantId
            """, new { participantId }, transaction);
        var parameters = new DynamicParameters(after);
        parameters.Add("participantId", participantId);
        try
        {
            await connection.ExecuteAsync("""
                UPDATE participants
                SET full_name = @FullName, email = @Email, phone = @Phone, date_of_birth = @DateOfBirth, gender = @Gender,
                    tshirt_size = @TshirtSize, emergency_contact_name = @EmergencyContactName,
                    emergency_contact_phone = @EmergencyContactPhone, club = @Club, medical_notes = @MedicalNotes,
                    internal_notes = @InternalNotes, updated_at = now()
                WHERE id = @participantId
                """, parameters, transaction);
        }
        catch (PostgresException e) when (e.ConstraintName == "participants_active_email_per_category")
        {
            return new Outcome(false, "Another active registration in this race uses this address.") { EmailTaken = true };
        }
        await AuditLog.WriteAsync(transaction, actor, "participant.edited", new { before, after }, participantId);
        await transaction.CommitAsync();
        return new Outcome(true, "Saved.");
    }

    private record Runner(long Id, string Reference, string Status, long CategoryId, string CategoryName, int? Bib, long? AmountPaidMinor);

    private async Task<Outcome> ChangeAsync(long participantId, IReadOnlyList<string> from, Func<NpgsqlTransaction, Runner, Task<Outcome>> change)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var runner = await LoadAsync(transaction, participantId);
        if (runner is null)
            return new Outcome(false, "There is no such runner.") { NoSuchRunner = true };
        if (!runner.Status.IsIn(from))
            return new Outcome(false, $"{runner.Reference} is {runner.Status} now (someone may just have changed it), so this was not done.");
        var outcome = await change(transaction, runner);
        if (outcome.Done)
            await transaction.CommitAsync();
        return outcome;
    }

    private static Task<Runner?> LoadAsync(NpgsqlTransaction transaction, long participantId) =>
        transaction.Connection!.QuerySingleOrDefaultAsync<Runner?>("""
            SELECT p.id, p.reference, p.payment_status AS status, p.category_id, c.name AS category_name, p.bib, p.amount_paid_minor
            FROM participants p JOIN race_categories c ON c.id = p.category_id
            WHERE p.id = @participantId
            FOR UPDATE OF p
            """, new { participantId }, transaction);
}
