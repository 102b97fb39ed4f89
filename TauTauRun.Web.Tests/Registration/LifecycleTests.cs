using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Registration;

/// <summary>
/// The participant lifecycle's transitions against the real database, without pages: each leaves the
/// status, the place, the outbox and the audit log as it says.
/// </summary>
public sealed class LifecycleTests : DatabaseTest
{
    private static readonly AuditActor Admin = new(null, "test admin", null);
    private static readonly AuditActor Runner = new(null, "runner", "192.0.2.7");
    private TestApp app = null!;
    private long race;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using var connection = await OpenAsync();
        race = await TestData.CategoryAsync(connection, capacity: 1, bibFirst: 500, bibLast: 599);
    }

    [TearDown]
    public void Stop() => app.Dispose();

    private T Get<T>() where T : notnull => app.Services.GetRequiredService<T>();

    private async Task<(long Id, string Token)> RegisterAsync(string name, bool joinWaitlist = true)
    {
        var token = StatusTokens.New();
        var runner = new Registrar.NewRunner(race, name, $"{name.ToLowerInvariant()}@runners.test", "+31612345678", new DateOnly(1990, 4, 1),
            "F", "M", "Contact Person", "+31687654321", "", "", "2026-1");
        await Get<Registrar>().RegisterAsync(runner, token, joinWaitlist);
        await using var connection = await OpenAsync();
        return (await connection.ExecuteScalarAsync<long>("SELECT id FROM participants WHERE access_token_hash = @hash",
            new { hash = StatusTokens.Hash(token) }), token);
    }

    private static async Task<(string Status, bool HoldsSlot, string[] Emails, string[] Audit)> StateAsync(long id)
    {
        await using var connection = await OpenAsync();
        return (await connection.ExecuteScalarAsync<string>("SELECT payment_status FROM participants WHERE id = @id", new { id }) ?? "",
            await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM category_slots WHERE participant_id = @id)", new { id }),
            (await connection.QueryAsync<string>("SELECT kind FROM email_logs WHERE participant_id = @id ORDER BY id", new { id })).ToArray(),
            (await connection.QueryAsync<string>("SELECT action FROM audit_log WHERE participant_id = @id ORDER BY id", new { id })).ToArray());
    }

    [Test]
    public async Task Registering_takes_a_place_and_a_full_race_offers_its_waiting_list()
    {
        var anna = await RegisterAsync("Anna");
        var full = await Get<Registrar>().RegisterAsync(new Registrar.NewRunner(race, "Bert", "bert@runners.test", "+31612345678",
            new DateOnly(1990, 4, 1), "M", "M", "Contact Person", "+31687654321", "", "", "2026-1"), StatusTokens.New(), joinWaitlist: false);
        var bert = await RegisterAsync("Bert");

        Assert.That(await StateAsync(anna.Id), Is.EqualTo((ParticipantStatus.Pending, true, new[] { "REGISTRATION_RECEIVED" }, Array.Empty<string>())));
        Assert.That(full, Is.EqualTo(Registrar.Outcome.Full));
        Assert.That(await StateAsync(bert.Id), Is.EqualTo((ParticipantStatus.Waitlisted, false, new[] { "WAITLIST_JOINED" }, Array.Empty<string>())));
    }

    [Test]
    public async Task A_runner_who_cancels_hands_the_place_to_the_first_waiting_who_can_accept_it()
    {
        var anna = await RegisterAsync("Anna");
        var bert = await RegisterAsync("Bert");

        Assert.That(await Get<RunnerChanges>().CancelAsync(anna.Id, Runner), Is.True);
        Assert.That(await Get<RunnerChanges>().CancelAsync(anna.Id, Runner), Is.False, "a second cancel changes nothing");
        Assert.That(await StateAsync(anna.Id), Is.EqualTo((ParticipantStatus.Cancelled, false, new[] { "REGISTRATION_RECEIVED", "REGISTRATION_CANCELLED" }, new[] { "runner.cancelled" })));
        Assert.That(await StateAsync(bert.Id), Is.EqualTo((ParticipantStatus.Offered, true, new[] { "WAITLIST_JOINED", "WAITLIST_OFFER" }, Array.Empty<string>())));

        Assert.That(await Get<RunnerChanges>().AcceptOfferAsync(bert.Id, bert.Token, Runner), Is.True);
        Assert.That(await StateAsync(bert.Id), Is.EqualTo((ParticipantStatus.Pending, true,
            new[] { "WAITLIST_JOINED", "WAITLIST_OFFER", "REGISTRATION_RECEIVED" }, new[] { "runner.offer_accepted" })));
    }

    [Test]
    public async Task An_offer_not_accepted_in_time_lapses_and_cannot_be_accepted_after()
    {
        var anna = await RegisterAsync("Anna");
        var bert = await RegisterAsync("Bert");
        await Get<RunnerChanges>().CancelAsync(anna.Id, Runner);
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("UPDATE participants SET offer_expires_at = now() - interval '1 minute' WHERE id = @id", new { id = bert.Id });

        Assert.That(await Get<RunnerChanges>().AcceptOfferAsync(bert.Id, bert.Token, Runner), Is.False);
        var sweep = await Get<PaymentExpiry>().RunOnceAsync();

        Assert.That(sweep.OffersLapsed, Is.EqualTo(1));
        Assert.That(await StateAsync(bert.Id), Is.EqualTo((ParticipantStatus.Expired, false, new[] { "WAITLIST_JOINED", "WAITLIST_OFFER" }, Array.Empty<string>())));
    }

    [Test]
    public async Task An_unpaid_registration_expires_after_the_deadline_with_an_email()
    {
        var anna = await RegisterAsync("Anna");
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("UPDATE participants SET status_changed_at = now() - interval '30 days' WHERE id = @id", new { id = anna.Id });

        Assert.That((await Get<PaymentExpiry>().RunOnceAsync()).Expired, Is.EqualTo(1));
        Assert.That(await StateAsync(anna.Id), Is.EqualTo((ParticipantStatus.Expired, false, new[] { "REGISTRATION_RECEIVED", "REGISTRATION_EXPIRED" }, Array.Empty<string>())));
    }

    [Test]
    public async Task An_admin_marks_paid_puts_back_to_pending_cancels_and_refunds_each_with_its_audit_row()
    {
        var anna = await RegisterAsync("Anna");
        var changes = Get<AdminChanges>();

        var paid = await changes.MarkPaidAsync(anna.Id, new AdminChanges.Payment(2500, "CASH", null, new DateOnly(2026, 11, 29)), Admin);
        Assert.That((paid.Done, paid.Bib), Is.EqualTo((true, (int?)500)));
        Assert.That((await changes.MarkPendingAsync(anna.Id, "recorded twice", Admin)).Done, Is.True);
        Assert.That((await changes.MarkPaidAsync(anna.Id, new AdminChanges.Payment(2500, "CASH", null, new DateOnly(2026, 11, 30)), Admin)).Bib,
            Is.EqualTo(500), "the bib is kept for them");
        Assert.That((await changes.CancelAsync(anna.Id, "injured", Admin)).Message, Does.Contain("record the refund"));
        Assert.That((await changes.RefundAsync(anna.Id, "injured", Admin)).Done, Is.True);
        Assert.That((await changes.MarkPaidAsync(anna.Id, new AdminChanges.Payment(2500, "CASH", null, new DateOnly(2026, 11, 30)), Admin)).Done,
            Is.False, "nothing moves a refunded runner back");

        Assert.That(await StateAsync(anna.Id), Is.EqualTo((ParticipantStatus.Refunded, false,
            new[] { "REGISTRATION_RECEIVED", "PAYMENT_CONFIRMED", "PAYMENT_CONFIRMED", "REGISTRATION_CANCELLED" },
            new[] { "payment.marked_paid", "payment.marked_pending", "payment.marked_paid", "registration.cancelled", "payment.refunded" })));
    }

    [Test]
    public async Task An_admin_edit_is_audited_and_never_overwrites_a_newer_change()
    {
        var anna = await RegisterAsync("Anna");
        DateTime loadedAt;
        await using (var connection = await OpenAsync())
            loadedAt = await connection.ExecuteScalarAsync<DateTime>("SELECT updated_at FROM participants WHERE id = @id", new { id = anna.Id });
        var details = new AdminChanges.Details("Anna de Vries", "anna@runners.test", "+31612345678", new DateOnly(1990, 4, 1), "F", "L",
            "Contact Person", "+31687654321", "AV Tau", "", "wave B");

        Assert.That(await Get<RunnerChanges>().EditAsync(anna.Id, new RunnerChanges.Contact("anna@runners.test", "+31612345678", "S",
            "Contact Person", "+31687654321"), Runner), Is.True);
        var stale = await Get<AdminChanges>().EditAsync(anna.Id, details, loadedAt, Admin);
        await using (var connection = await OpenAsync())
            loadedAt = await connection.ExecuteScalarAsync<DateTime>("SELECT updated_at FROM participants WHERE id = @id", new { id = anna.Id });
        var fresh = await Get<AdminChanges>().EditAsync(anna.Id, details, loadedAt, Admin);

        Assert.That((stale.Done, fresh.Done), Is.EqualTo((false, true)));
        await using var check = await OpenAsync();
        Assert.That(await check.QuerySingleAsync<(string, string, string)>("SELECT full_name, tshirt_size, internal_notes FROM participants"),
            Is.EqualTo(("Anna de Vries", "L", "wave B")));
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT details->'before'->>'tshirtSize' FROM audit_log WHERE action = 'participant.edited'"),
            Is.EqualTo("S"));
    }

    [Test]
    public async Task A_runners_edit_writes_an_audit_row_without_values_or_token_and_mails_the_old_address()
    {
        var anna = await RegisterAsync("Anna");

        Assert.That(await Get<RunnerChanges>().EditAsync(anna.Id, new RunnerChanges.Contact("anna.new@runners.test", "+31612345678", "L",
            "Contact Person", "+31687654321"), Runner), Is.True);

        await using var connection = await OpenAsync();
        var audit = await connection.QuerySingleAsync<(string Actor, long? AdminId, string Ip, string Details)>(
            "SELECT actor, actor_admin_id, host(ip), details::text FROM audit_log WHERE action = 'runner.edited' AND participant_id = @id", new { id = anna.Id });
        Assert.That(audit, Is.EqualTo(("runner", (long?)null, "192.0.2.7", """{"fields": ["email", "tshirt_size"]}""")));
        Assert.That(await connection.QuerySingleAsync<(string, string)>("SELECT recipient, kind FROM email_logs WHERE participant_id = @id ORDER BY id DESC LIMIT 1",
            new { id = anna.Id }), Is.EqualTo(("anna@runners.test", "EMAIL_CHANGED")));
    }

    [Test]
    public async Task A_runners_link_request_is_audited_once_per_registration()
    {
        var anna = await RegisterAsync("Anna");

        Assert.That(await Get<RunnerChanges>().SendNewLinksAsync("ANNA@runners.test", Runner), Is.EqualTo(1));

        Assert.That((await StateAsync(anna.Id)).Audit, Is.EqualTo(new[] { "runner.link_requested" }));
    }

    [TestCase("full_name", RunnerFields.NameMaxLength)]
    [TestCase("emergency_contact_name", RunnerFields.NameMaxLength)]
    [TestCase("club", RunnerFields.ClubMaxLength)]
    [TestCase("medical_notes", RunnerFields.MedicalNotesMaxLength)]
    [TestCase("email", RunnerFields.EmailMaxLength)]
    public async Task The_validators_limits_are_the_databases_check_constraints(string column, int limit)
    {
        var anna = await RegisterAsync("Anna");
        await using var connection = await OpenAsync();
        string Value(int length) => column == "email" ? new string('a', length - "@runners.test".Length) + "@runners.test" : new string('a', length);

        Assert.DoesNotThrowAsync(() => connection.ExecuteAsync($"UPDATE participants SET {column} = @value WHERE id = @id", new { value = Value(limit), id = anna.Id }));
        var over = Assert.ThrowsAsync<PostgresException>(() =>
            connection.ExecuteAsync($"UPDATE participants SET {column} = @value WHERE id = @id", new { value = Value(limit + 1), id = anna.Id }));
        Assert.That(over!.SqlState, Is.EqualTo(PostgresErrorCodes.CheckViolation));
    }
}
