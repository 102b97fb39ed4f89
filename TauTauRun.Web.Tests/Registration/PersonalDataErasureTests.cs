using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Registration;

/// <summary>
/// Erasing personal data after the event and at a runner's request, against the real database: what a
/// dry run reports, that afterwards no table holds any name, address or phone number that was there,
/// and what stays (statuses, bibs, payments, age groups, the audit trail's rows).
/// </summary>
public sealed class PersonalDataErasureTests : DatabaseTest
{
    private static readonly AuditActor Admin = new(null, "test admin", null);
    private TestApp app = null!;

    [SetUp]
    public void Start() => app = new TestApp();

    [TearDown]
    public void Stop() => app.Dispose();

    private PersonalDataErasure Erasure => app.Services.GetRequiredService<PersonalDataErasure>();

    [Test]
    public async Task The_dry_run_reports_what_would_be_erased_and_changes_nothing()
    {
        var seeded = await SampleEvent.SeedAsync(app);
        var before = await SnapshotAsync();

        var report = await Erasure.PreviewEventAsync();

        Assert.That(report.Runners, Is.EqualTo(3));
        await using var connection = await OpenAsync();
        Assert.That(report.Emails, Is.EqualTo(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM email_logs")));
        Assert.That(report.AuditRows, Is.GreaterThan(0));
        Assert.That(report.BankTexts, Is.EqualTo(3), "two statement lines and their upload");
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.Values), Has.Count.EqualTo(seeded.Values.Count), "the dry run erased something");
    }

    [Test]
    public async Task After_the_erasure_no_table_holds_a_name_address_or_phone_that_was_there()
    {
        var seeded = await SampleEvent.SeedAsync(app);
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.Values), Has.Count.EqualTo(seeded.Values.Count), "the scan finds what was there");
        await SampleEvent.RaceWasDaysAgoAsync(app, 100);

        var outcome = await Erasure.EraseEventAsync(Admin);

        Assert.That(outcome.Done, Is.True, outcome.Message);
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.Values), Is.Empty);
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE actor = 'runner' AND ip IS NOT NULL"), Is.Zero,
            "a runner's client address identifies them");
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM participants WHERE erased_at IS NULL"), Is.Zero);
    }

    [Test]
    public async Task The_erasure_keeps_statuses_bibs_payments_sizes_and_age_groups()
    {
        await SampleEvent.SeedAsync(app);
        await SampleEvent.RaceWasDaysAgoAsync(app, 100);
        var before = await KeptAsync();

        await Erasure.EraseEventAsync(Admin);

        Assert.That(await KeptAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Running_the_erasure_twice_changes_nothing_the_second_time()
    {
        await SampleEvent.SeedAsync(app);
        await SampleEvent.RaceWasDaysAgoAsync(app, 100);
        await Erasure.EraseEventAsync(Admin);
        var after = await SnapshotAsync();

        var again = await Erasure.EraseEventAsync(Admin);

        Assert.That(again.Message, Does.StartWith("Nothing was left to erase"));
        Assert.That(again.Report!.IsEmpty, Is.True);
        Assert.That(await SnapshotAsync(), Is.EqualTo(after));
    }

    [Test]
    public async Task The_erasure_is_refused_until_the_configured_days_after_the_race()
    {
        var seeded = await SampleEvent.SeedAsync(app);
        await SampleEvent.RaceWasDaysAgoAsync(app, 89); // the default is 90 days

        var outcome = await Erasure.EraseEventAsync(Admin);

        Assert.That(outcome.Refused, Is.True);
        Assert.That(outcome.Message, Does.Contain("90 days after the race start"));
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.Values), Has.Count.EqualTo(seeded.Values.Count));
    }

    [Test]
    public async Task A_runners_erasure_cancels_them_first_and_offers_their_place_to_the_waiting_list()
    {
        var seeded = await SampleEvent.SeedAsync(app);

        var outcome = await Erasure.EraseRunnerAsync(seeded.Pending, Admin);

        Assert.That(outcome.Done, Is.True, outcome.Message);
        Assert.That(outcome.Message, Does.Contain("cancelled (the place went to the waiting list)"));
        await using var connection = await OpenAsync();
        var statuses = (await connection.QueryAsync<(long, string)>("SELECT id, payment_status FROM participants")).ToDictionary();
        Assert.That(statuses[seeded.Pending], Is.EqualTo("CANCELLED"));
        Assert.That(statuses[seeded.Waiting], Is.EqualTo("OFFERED"));
        Assert.That(await connection.QueryAsync<string>("SELECT action FROM audit_log WHERE participant_id = @Pending ORDER BY id", seeded),
            Is.SupersetOf(new[] { "registration.cancelled", "participant.erased" }));
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.ValuesOfPending), Is.Empty);
        Assert.That(await SampleEvent.IdentifyingLeftAsync(seeded.ValuesOfPaid), Has.Count.EqualTo(seeded.ValuesOfPaid.Count), "only that runner is erased");
        Assert.That(await connection.ExecuteScalarAsync<string>(
            "SELECT last_error FROM email_logs WHERE participant_id = @Pending AND kind = 'REGISTRATION_CANCELLED'", seeded),
            Is.EqualTo("not sent: personal data erased"));
    }

    [Test]
    public async Task A_paid_runners_erasure_keeps_the_payment_and_says_to_refund_it()
    {
        var seeded = await SampleEvent.SeedAsync(app);

        var outcome = await Erasure.EraseRunnerAsync(seeded.Paid, Admin);

        Assert.That(outcome.Message, Does.Contain("They had paid EUR 25.00: record the refund"));
        await using var connection = await OpenAsync();
        var row = await connection.QuerySingleAsync<(string Status, long? Paid, int? Bib)>(
            "SELECT payment_status, amount_paid_minor, bib FROM participants WHERE id = @Paid", seeded);
        Assert.That(row, Is.EqualTo(("CANCELLED", (long?)2500, (int?)500)));
    }

    [Test]
    public async Task Erasing_a_runner_twice_is_refused_and_changes_nothing()
    {
        var seeded = await SampleEvent.SeedAsync(app);
        await Erasure.EraseRunnerAsync(seeded.Pending, Admin);
        var after = await SnapshotAsync();

        var again = await Erasure.EraseRunnerAsync(seeded.Pending, Admin);

        Assert.That(again.Refused, Is.True);
        Assert.That(again.Message, Does.Contain("was erased already"));
        Assert.That(await SnapshotAsync(), Is.EqualTo(after));
    }

    [TestCase("UPDATE audit_log SET actor = 'someone else', details = '{}'")]
    [TestCase("UPDATE audit_log SET action = 'other.action'")]
    [TestCase("UPDATE audit_log SET ip = '192.0.2.99'")]
    [TestCase("DELETE FROM audit_log")]
    public async Task With_redaction_on_the_audit_log_still_refuses_any_other_change(string sql)
    {
        await WriteRunnerAuditRowAsync();
        await using (var connection = await OpenAsync())
        {
            var refused = Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(
                $"BEGIN; SET LOCAL tautaurun.audit_redact = 'on'; {sql}; COMMIT;"));
            Assert.That(refused!.MessageText, Does.Contain("append-only"));
        }
        await using var fresh = await OpenAsync();
        Assert.That(await fresh.QuerySingleAsync<(string, string, string)>("SELECT actor, action, host(ip) FROM audit_log"),
            Is.EqualTo(("runner", "runner.edited", "192.0.2.7")));
    }

    [Test]
    public async Task With_redaction_on_details_may_be_replaced_and_the_address_cleared_and_only_then()
    {
        await WriteRunnerAuditRowAsync();
        await using var connection = await OpenAsync();
        const string Redact = """UPDATE audit_log SET details = '{"fields":["[erased]"]}', ip = NULL""";

        Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(Redact));
        await using var fresh = await OpenAsync();
        Assert.That(await fresh.ExecuteAsync($"BEGIN; SET LOCAL tautaurun.audit_redact = 'on'; {Redact}; COMMIT;"), Is.EqualTo(1));
        Assert.That(await fresh.QuerySingleAsync<(string, string?)>("SELECT details::text, host(ip) FROM audit_log"),
            Is.EqualTo(("{\"fields\": [\"[erased]\"]}", (string?)null)));
    }

    private static async Task WriteRunnerAuditRowAsync()
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await AuditLog.WriteAsync(transaction, new AuditActor(null, "runner", "192.0.2.7"), "runner.edited", new { fields = new[] { "phone" } });
        await transaction.CommitAsync();
    }

    /// <summary>Every row of the tables erasure touches, as text.</summary>
    private static async Task<string> SnapshotAsync()
    {
        await using var connection = await OpenAsync();
        var tables = new[] { "participants", "email_logs", "audit_log", "bank_statement_lines", "bank_imports", "category_slots" };
        var rows = new List<string>();
        foreach (var table in tables)
            rows.AddRange(await connection.QueryAsync<string>($"SELECT row_to_json(t)::text FROM {table} t ORDER BY 1"));
        return string.Join("\n", rows);
    }

    /// <summary>What must stay: per runner, race, status, bib, payment, size, gender and age group on race day.</summary>
    private static async Task<string[]> KeptAsync()
    {
        await using var connection = await OpenAsync();
        var raceDay = await connection.ExecuteScalarAsync<DateTime>("SELECT (starts_at AT TIME ZONE time_zone)::date FROM event_settings");
        var rows = await connection.QueryAsync<(string Line, string Gender, DateTime Birth)>("""
            SELECT concat_ws(' ', reference, category_id, payment_status, bib, amount_paid_minor, payment_method, tshirt_size),
                   gender, date_of_birth::timestamp
            FROM participants ORDER BY id
            """);
        return rows.Select(r => r.Line + " " + AgeGroups.Of(r.Gender, RunnerInput.AgeOn(DateOnly.FromDateTime(r.Birth), DateOnly.FromDateTime(raceDay)))).ToArray();
    }
}

/// <summary>
/// A small event whose every personal value is distinctive, made through the app's own code: a runner
/// paid by a bank statement that names her, a minor with a guardian edited by an admin, a runner on the
/// waiting list, a statement line from someone who is not a runner, and every email delivered.
/// </summary>
public static class SampleEvent
{
    private static readonly AuditActor Admin = new(null, "test admin", null);
    private static readonly AuditActor Runner = new(null, "runner", "192.0.2.7");

    public sealed record Seeded(long Paid, long Pending, long Waiting, IReadOnlyList<string> ValuesOfPaid, IReadOnlyList<string> ValuesOfPending,
        IReadOnlyList<string> Values);

    public static async Task<Seeded> SeedAsync(TestApp app)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        var race = await TestData.CategoryAsync(connection, capacity: 2, bibFirst: 500, bibLast: 599);
        var paid = await RegisterAsync(app, new Registrar.NewRunner(race, "Wilhelmina Okonkwo", "wilhelmina.okonkwo@runners.test", "+6281234567890",
            new DateOnly(1985, 7, 14), "F", "M", "Bartholomew Okonkwo", "+6281298765432", "Asthma inhaler in the left pocket", "Harbour Striders", "2026-1"));
        var pending = await RegisterAsync(app, new Registrar.NewRunner(race, "Gunnhild Marchetti", "gunnhild.marchetti@runners.test", "+6281355501234",
            new DateOnly(2012, 3, 3), "F", "S", "Leopold Marchetti", "+6281355509876", "", "Canal Joggers", "2026-1",
            new Guardian("Ottoline Marchetti", "+6281311112222")));
        var waiting = await RegisterAsync(app, new Registrar.NewRunner(race, "Thaddeus Verhoeven", "thaddeus.verhoeven@runners.test", "+6281377700011",
            new DateOnly(1970, 1, 20), "M", "L", "Griselda Verhoeven", "+6281377700022", "", "", "2026-1"));

        var reference = await connection.ExecuteScalarAsync<string>("SELECT reference FROM participants WHERE id = @paid", new { paid });
        var import = app.Services.GetRequiredService<PaymentImport>();
        var upload = await import.UploadAsync("statement.csv", [
            new BankStatement.Line(1, new DateOnly(2026, 11, 20), $"TRF WILHELMINA OKONKWO {reference}", 2500, "line-1"),
            new BankStatement.Line(2, new DateOnly(2026, 11, 21), "GIFT FROM PERPETUA LINDQVIST", 1000, "line-2"),
        ], Admin);
        await import.ConfirmAsync(upload, Admin);
        var queued = (await import.UnmatchedAsync()).Single();
        await import.ResolveAsync(queued.Id, "Phoned Perpetua Lindqvist, refunded", Admin);

        var loadedAt = await connection.ExecuteScalarAsync<DateTime>("SELECT updated_at FROM participants WHERE id = @pending", new { pending });
        var edit = await app.Services.GetRequiredService<AdminChanges>().EditAsync(pending, new AdminChanges.Details("Gunnhild Marchetti",
            "gunnhild.marchetti@runners.test", "+6281355501234", new DateOnly(2012, 3, 3), "F", "S", "Leopold Marchetti", "+6281355509876",
            "Lakeside Harriers", "Peanut allergy", "Her coach Aurelio Brambilla called"), loadedAt, Admin);
        Assert.That(edit.Done, Is.True, edit.Message);
        while (await app.Services.GetRequiredService<EmailDelivery>().DeliverDueAsync(CancellationToken.None) > 0)
        {
        }

        string[] ofPaid = ["Wilhelmina", "Okonkwo", "wilhelmina.okonkwo@runners.test", "+6281234567890", "81234567890", "Bartholomew",
            "+6281298765432", "Asthma inhaler", "Harbour Striders"];
        string[] ofPending = ["Gunnhild", "Marchetti", "gunnhild.marchetti@runners.test", "+6281355501234", "81355501234", "Leopold", "+6281355509876",
            "Ottoline", "+6281311112222", "Canal Joggers", "Lakeside Harriers", "Peanut allergy", "Aurelio Brambilla"];
        string[] ofWaiting = ["Thaddeus", "Verhoeven", "thaddeus.verhoeven@runners.test", "+6281377700011", "Griselda", "+6281377700022"];
        return new Seeded(paid, pending, waiting, ofPaid, ofPending, [.. ofPaid, .. ofPending, .. ofWaiting, "Perpetua", "Lindqvist"]);
    }

    /// <summary>Moves the race start this many days into the past.</summary>
    public static async Task RaceWasDaysAgoAsync(TestApp app, int days)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.ExecuteAsync("UPDATE event_settings SET starts_at = now() - make_interval(days => @days)", new { days });
        app.Services.GetRequiredService<EventSettingsStore>().Forget();
    }

    /// <summary>Which of <paramref name="values"/> some text column of some table still holds (case-insensitive), scanning every table.</summary>
    public static async Task<List<string>> IdentifyingLeftAsync(IEnumerable<string> values)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        var columns = await connection.QueryAsync<(string Table, string Column)>("""
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
            WHERE c.table_schema = 'public' AND c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY')
            """);
        var found = new HashSet<string>();
        var wanted = values.Select(v => v.ToLowerInvariant()).ToArray();
        foreach (var (table, column) in columns)
            found.UnionWith(await connection.QueryAsync<string>($"""
                SELECT v FROM unnest(@wanted) v
                WHERE EXISTS (SELECT 1 FROM "{table}" WHERE strpos(lower("{column}"::text), v) > 0)
                """, new { wanted }));
        return wanted.Where(found.Contains).ToList();
    }

    private static async Task<long> RegisterAsync(TestApp app, Registrar.NewRunner runner)
    {
        var token = StatusTokens.New();
        await app.Services.GetRequiredService<Registrar>().RegisterAsync(runner, token, joinWaitlist: true, Runner);
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        return await connection.ExecuteScalarAsync<long>("SELECT id FROM participants WHERE access_token_hash = @hash", new { hash = StatusTokens.Hash(token) });
    }
}
