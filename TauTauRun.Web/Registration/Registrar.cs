using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Email;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Registers a runner in one transaction: a free place claimed (or the waiting list joined), the
/// participant row, the slot taken and the confirmation email queued, all committed together before
/// the runner is told anything. The price is fixed here too: the tier that applies (a "first N" tier's
/// place claimed like a race's) less the coupon's discount, whose use is taken in the same transaction;
/// a coupon that makes the entry free pays it at once, through the same path as an admin's payment.
/// The runner's status token doubles as the submission's identity, so a double-clicked or replayed form
/// finds the registration it already made instead of making another.
/// A place is held on the condition that the address is confirmed: the email carries a link of its own
/// (the pending one, see <see cref="RunnerChanges.OpenLink"/>), which the form's browser never saw.
/// Open to overriding only so that the fault suite can prove its oversell check fails on a naive admission.
/// </summary>
public class Registrar(NpgsqlDataSource dataSource, EmailOutbox outbox, RunnerChanges runnerChanges, AdminChanges payments)
{
    public sealed record NewRunner(
        long CategoryId, string FullName, string Email, string Phone, DateOnly DateOfBirth, string Gender,
        string TshirtSize, string EmergencyContactName, string EmergencyContactPhone, string MedicalNotes,
        string Club, string WaiverVersion, Guardian? Guardian = null, string? CouponCode = null);

    /// <summary>
    /// How a registration ended. <see cref="Outcome.LinkSent"/>: the address was already in the race, and was emailed
    /// its link instead (as "send me my link" does); <see cref="Outcome.CouponRefused"/>: the coupon cannot be used
    /// (nothing stored); <see cref="Outcome.NoBibLeft"/>: a free entry found no bib.
    /// </summary>
    public enum Outcome { Registered, Waitlisted, Full, CategoryClosed, AlreadySubmitted, LinkSent, CouponRefused, NoBibLeft }

    /// <param name="requester">Who submitted the form (the page passes the runner and their address): the audit row of a
    /// link sent instead names them.</param>
    public virtual async Task<Outcome> RegisterAsync(NewRunner runner, string token, bool joinWaitlist, AuditActor? requester = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryRegisterAsync(runner, token, joinWaitlist);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                switch (e.ConstraintName)
                {
                    case "participants_access_token_hash_key":
                        return Outcome.AlreadySubmitted;
                    case "participants_active_email_per_category":
                        // A double click can trip over the email before the token: same runner, same form.
                        if (await ExistsAsync(token))
                            return Outcome.AlreadySubmitted;
                        // Whoever typed the address learns nothing about its registration: only the address hears of it.
                        await runnerChanges.SendNewLinksAsync(runner.Email, requester ?? new AuditActor(null, "runner", null));
                        return Outcome.LinkSent;
                    case "participants_reference_key" when attempt < 5:
                        continue; // one in a billion: draw another reference
                    default:
                        throw;
                }
            }
        }
    }

    private async Task<Outcome> TryRegisterAsync(NewRunner runner, string token, bool joinWaitlist)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var (outcome, _) = await AdmitAsync(transaction, runner, token, joinWaitlist);
        if (outcome is Outcome.Registered or Outcome.Waitlisted)
            await transaction.CommitAsync();
        return outcome;
    }

    /// <summary>
    /// The registration in the caller's transaction (an admin's walk-in or paper entries add their audit
    /// rows to it): the row, the place or the waiting list, the email. The participant's id when admitted;
    /// a unique violation (token, address) is the caller's to handle.
    /// </summary>
    /// <param name="addressVouched">An admin entered the runner (walk-in, paper entry): the address counts as
    /// confirmed, and the email carries the runner's link itself.</param>
    public async Task<(Outcome Outcome, long? ParticipantId)> AdmitAsync(NpgsqlTransaction transaction, NewRunner runner, string token,
        bool joinWaitlist, bool addressVouched = false)
    {
        var emailed = addressVouched ? null : StatusTokens.New();
        var connection = transaction.Connection!;
        var tier = await PriceTiers.ClaimAsync(transaction, runner.CategoryId);
        Coupons.Discount? coupon = null;
        if (runner.CouponCode is { } code && (coupon = await Coupons.ClaimAsync(transaction, code, runner.CategoryId)) is null)
            // A double click's second post queues behind the first for a single-use code, then finds it used: by itself.
            return (await ExistsAsync(token) ? Outcome.AlreadySubmitted : Outcome.CouponRefused, null);
        if (coupon is not null)
            // A coupon may make the entry free, and paying draws a bib under the race's row lock (Bibs):
            // taken now, before the insert's foreign key takes a share of that row, two free entries would each
            // hold a share and wait for the other's (a deadlock).
            await connection.ExecuteAsync("SELECT 1 FROM race_categories WHERE id = @CategoryId FOR UPDATE", new { runner.CategoryId }, transaction);
        var created = await connection.QuerySingleOrDefaultAsync<(long Id, string Status, long AmountDue)?>($"""
            WITH category AS (
                SELECT id, currency, coalesce(@TierPriceMinor, price_minor) AS price FROM race_categories WHERE id = @CategoryId AND is_open),
            priced AS (
                SELECT id, currency, price, CASE WHEN @PercentOff::integer IS NOT NULL THEN price * @PercentOff / 100
                                                 ELSE least(price, coalesce(@AmountOffMinor::bigint, 0)) END AS discount
                FROM category),
            slot AS MATERIALIZED ({FreeSlots.Claim("@CategoryId")}),
            runner AS (
                INSERT INTO participants (reference, access_token_hash, category_id, payment_status, full_name, email,
                    phone, date_of_birth, gender, tshirt_size, emergency_contact_name, emergency_contact_phone,
                    medical_notes, club, amount_due_minor, currency, waiver_version, waiver_accepted_at,
                    guardian_name, guardian_phone, guardian_consent_at, guardian_waiver_version, pending_token_hash,
                    email_confirmed_at, price_tier_id, coupon_id, discount_minor, language)
                SELECT @Reference, @Hash, priced.id,
                    CASE WHEN EXISTS (SELECT 1 FROM slot) THEN '{ParticipantStatus.Pending}' ELSE '{ParticipantStatus.Waitlisted}' END,
                    @FullName, @Email, @Phone, @DateOfBirth, @Gender, @TshirtSize, @EmergencyContactName,
                    @EmergencyContactPhone, @MedicalNotes, @Club, priced.price - priced.discount, priced.currency,
                    @WaiverVersion, now(), @GuardianName, @GuardianPhone,
                    CASE WHEN @GuardianName::text IS NOT NULL THEN now() END,
                    CASE WHEN @GuardianName::text IS NOT NULL THEN @WaiverVersion END,
                    CASE WHEN EXISTS (SELECT 1 FROM slot) THEN @EmailedHash END,
                    CASE WHEN @AddressVouched THEN now() END,
                    @TierId, @CouponId, priced.discount, @Language
                FROM priced
                WHERE EXISTS (SELECT 1 FROM slot) OR @JoinWaitlist
                RETURNING id, payment_status, amount_due_minor),
            taken AS (
                UPDATE category_slots s SET participant_id = runner.id
                FROM slot, runner
                WHERE s.category_id = @CategoryId AND s.slot_no = slot.slot_no),
            tier_taken AS (
                UPDATE price_tier_slots s SET participant_id = runner.id
                FROM runner
                WHERE s.tier_id = @TierId AND s.slot_no = @TierSlotNo)
            SELECT id, payment_status, amount_due_minor FROM runner
            """,
            new
            {
                runner.CategoryId, Reference = References.New(), Hash = StatusTokens.Hash(token), runner.FullName,
                runner.Email, runner.Phone, runner.DateOfBirth, runner.Gender, runner.TshirtSize,
                runner.EmergencyContactName, runner.EmergencyContactPhone, runner.MedicalNotes, runner.Club,
                runner.WaiverVersion, GuardianName = runner.Guardian?.Name, GuardianPhone = runner.Guardian?.Phone,
                // A coupon is for a place: with one, a full race is refused rather than joined as a waiting runner.
                JoinWaitlist = joinWaitlist && coupon is null,
                EmailedHash = emailed is null ? null : StatusTokens.Hash(emailed), AddressVouched = addressVouched,
                tier.TierId, TierSlotNo = tier.SlotNo, TierPriceMinor = tier.PriceMinor,
                coupon?.CouponId, coupon?.PercentOff, coupon?.AmountOffMinor,
                // The language of the request: the runner's emails are written in it.
                Language = Languages.Current,
            }, transaction);

        if (created is not { } row)
        {
            var open = await connection.ExecuteScalarAsync<bool?>(
                "SELECT is_open FROM race_categories WHERE id = @CategoryId", new { runner.CategoryId }, transaction);
            return (open == true ? Outcome.Full : Outcome.CategoryClosed, null);
        }
        var waitlisted = row.Status == ParticipantStatus.Waitlisted;
        if (coupon is not null && row.AmountDue == 0)
        {
            // Paid at once, which confirms the place as a payment does; the confirmation carries the form's link.
            var paid = await payments.MarkPaidWithinAsync(transaction, row.Id,
                new AdminChanges.Payment(0, "OTHER", $"Coupon {coupon.Code}", DateOnly.FromDateTime(DateTime.UtcNow)),
                new AuditActor(null, $"coupon {coupon.Code}", null), token);
            if (!paid.Done)
                return (Outcome.NoBibLeft, null);
        }
        else
            await outbox.QueueAsync(transaction, row.Id, waitlisted ? EmailKind.WaitlistJoined : EmailKind.RegistrationReceived,
                waitlisted ? token : emailed ?? token);
        return (waitlisted ? Outcome.Waitlisted : Outcome.Registered, row.Id);
    }

    private async Task<bool> ExistsAsync(string token)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM participants WHERE access_token_hash = @hash)", new { hash = StatusTokens.Hash(token) });
    }
}
