using Dapper;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Registration;

/// <summary>Handing a place to another person, against the database: links, emails, bib, audit, and the refusals.</summary>
public sealed class TransfersTests : DatabaseTest
{
    private static readonly AuditActor Admin = new(null, "test admin", null);
    private TestApp app = null!;
    private long race;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using var connection = await OpenAsync();
        race = await TestData.CategoryAsync(connection, capacity: 10, bibFirst: 500, bibLast: 599);
    }

    [TearDown]
    public void Stop() => app.Dispose();

    private T Get<T>() where T : notnull => app.Services.GetRequiredService<T>();

    private Registrar.NewRunner Person(string name) => new(race, name, $"{name.ToLowerInvariant()}@runners.test", "+31612345678",
        new DateOnly(1990, 4, 1), "F", "M", "Contact Person", "+31687654321", "", "", "2026-1");

    private async Task<(long Id, string Token)> RegisterAsync(string name)
    {
        var token = StatusTokens.New();
        await Get<Registrar>().RegisterAsync(Person(name), token, joinWaitlist: false);
        await using var connection = await OpenAsync();
        return (await connection.ExecuteScalarAsync<long>("SELECT id FROM participants WHERE access_token_hash = @hash",
            new { hash = StatusTokens.Hash(token) }), token);
    }

    private async Task<(long Id, string Token)> PaidAsync(string name)
    {
        var runner = await RegisterAsync(name);
        await Get<AdminChanges>().MarkPaidAsync(runner.Id, new AdminChanges.Payment(2500, "CASH", null, new DateOnly(2026, 11, 29)), Admin);
        return runner;
    }

    private async Task SettingsAsync(string set)
    {
        var store = Get<EventSettingsStore>();
        await store.LoadAsync();
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync($"UPDATE event_settings SET {set}");
        store.Forget();
    }

    [Test]
    public async Task A_runner_hands_a_paid_place_on_the_new_runner_gets_a_new_link_the_old_dies_both_are_emailed_and_the_bib_stays()
    {
        var anna = await PaidAsync("Anna");

        var outcome = await Get<Transfers>().TransferAsync(HeldPlace.Who.Runner(anna.Token, null), Person("Bert"));

        Assert.That(outcome.Done, Is.True, outcome.Message);
        await using var connection = await OpenAsync();
        var row = await connection.QuerySingleAsync<(string FullName, string Email, string Status, int Bib, byte[] Hash)>(
            "SELECT full_name, email, payment_status, bib, access_token_hash FROM participants WHERE id = @Id", new { anna.Id });
        Assert.That((row.FullName, row.Email, row.Status, row.Bib), Is.EqualTo(("Bert", "bert@runners.test", "PAID", 500)));
        Assert.That(row.Hash, Is.Not.EqualTo(StatusTokens.Hash(anna.Token)), "the old link opens nothing");
        var emails = (await connection.QueryAsync<(string Kind, string Recipient, string? Token)>(
            "SELECT kind, recipient, status_token FROM email_logs WHERE kind IN ('PLACE_TRANSFERRED', 'PLACE_RECEIVED') ORDER BY id")).ToList();
        Assert.That(emails.Select(e => (e.Kind, e.Recipient)), Is.EqualTo(new[]
        {
            ("PLACE_TRANSFERRED", "anna@runners.test"), ("PLACE_RECEIVED", "bert@runners.test"),
        }));
        var newToken = emails[1].Token!;
        Assert.That(StatusTokens.Hash(newToken), Is.EqualTo(row.Hash), "the new runner's email carries their new link");
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT actor FROM audit_log WHERE action = 'registration.transferred'"),
            Is.EqualTo("runner (status link)"));
    }

    [Test]
    public async Task When_the_setting_says_so_a_transferred_paid_place_gets_the_next_bib()
    {
        await SettingsAsync("transfer_keeps_bib = false");
        var anna = await PaidAsync("Anna");
        await PaidAsync("Carla");

        var outcome = await Get<Transfers>().TransferAsync(HeldPlace.Who.Runner(anna.Token, null), Person("Bert"));

        Assert.That(outcome.Done, Is.True, outcome.Message);
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT bib FROM participants WHERE id = @Id", new { anna.Id }), Is.EqualTo(502));
    }

    [Test]
    public async Task A_place_is_not_handed_to_someone_already_in_the_race_and_nothing_changes()
    {
        var anna = await RegisterAsync("Anna");
        await RegisterAsync("Bert");

        var outcome = await Get<Transfers>().TransferAsync(HeldPlace.Who.Runner(anna.Token, null), Person("Bert"));

        Assert.That((outcome.Done, outcome.EmailTaken), Is.EqualTo((false, true)));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<string>("SELECT full_name FROM participants WHERE id = @Id", new { anna.Id }), Is.EqualTo("Anna"));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs WHERE kind LIKE 'PLACE%'"), Is.Zero);
    }

    [Test]
    public async Task After_the_transfer_deadline_a_runner_is_refused_but_an_admin_may()
    {
        await SettingsAsync("transfer_deadline = now() - interval '1 minute'");
        var anna = await RegisterAsync("Anna");
        DateTime loadedAt;
        await using (var connection = await OpenAsync())
            loadedAt = await connection.ExecuteScalarAsync<DateTime>("SELECT updated_at FROM participants WHERE id = @Id", new { anna.Id });

        var runner = await Get<Transfers>().TransferAsync(HeldPlace.Who.Runner(anna.Token, null), Person("Bert"));
        var admin = await Get<Transfers>().TransferAsync(HeldPlace.Who.Admin(anna.Id, loadedAt, Admin), Person("Bert"));

        Assert.That((runner.Done, admin.Done), Is.EqualTo((false, true)));
        Assert.That(runner.Message, Does.Contain("deadline"));
    }

    [Test]
    public async Task Two_transfers_with_the_same_link_at_once_hand_the_place_on_once()
    {
        var anna = await RegisterAsync("Anna");
        var transfers = Get<Transfers>();

        var outcomes = await Task.WhenAll(
            Task.Run(() => transfers.TransferAsync(HeldPlace.Who.Runner(anna.Token, null), Person("Bert"))),
            Task.Run(() => transfers.TransferAsync(HeldPlace.Who.Runner(anna.Token, null), Person("Carla"))));

        Assert.That(outcomes.Count(o => o.Done), Is.EqualTo(1));
        Assert.That(outcomes.Count(o => o.Stale), Is.EqualTo(1), "the second finds the link dead");
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs WHERE kind = 'PLACE_RECEIVED'"), Is.EqualTo(1));
    }
}
