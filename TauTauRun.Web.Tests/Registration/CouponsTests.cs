using Dapper;
using Npgsql;
using TauTauRun.Web.Email;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Registration;

/// <summary>Coupons used in the registration's transaction: a use limit exact under concurrency, and a free entry paid at once.</summary>
public sealed class CouponsTests : DatabaseTest
{
    private TestApp app = null!;
    private long race;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using var connection = await OpenAsync();
        race = await TestData.CategoryAsync(connection, capacity: 100, bibFirst: 700, bibLast: 799);
    }

    [TearDown]
    public void Stop() => app.Dispose();

    internal static Task CouponAsync(NpgsqlConnection connection, string code, int? percentOff = null, long? amountOffMinor = null,
        int maxUses = 1, string validity = "NULL, NULL", long? raceId = null) =>
        connection.ExecuteAsync($"""
            WITH k AS (
                INSERT INTO coupons (code, percent_off, amount_off_minor, currency, max_uses, valid_from, valid_until)
                VALUES (@code, @percentOff, @amountOffMinor, CASE WHEN @amountOffMinor::bigint IS NOT NULL THEN 'EUR' END, @maxUses, {validity})
                RETURNING id)
            INSERT INTO coupon_races (coupon_id, category_id) SELECT k.id, @raceId FROM k WHERE @raceId::bigint IS NOT NULL
            """, new { code, percentOff, amountOffMinor, maxUses, raceId });

    [Test]
    public async Task A_single_use_coupon_raced_by_20_runners_is_used_once()
    {
        await using (var connection = await OpenAsync())
            await CouponAsync(connection, "SPONSOR-1", percentOff: 50);
        var registrar = app.Services.GetRequiredService<Registrar>();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => registrar.RegisterAsync(PriceTiersTests.Runner(race, $"Racer{i}", "SPONSOR-1"), StatusTokens.New(), joinWaitlist: false))));

        Assert.That(outcomes.Count(o => o == Registrar.Outcome.Registered), Is.EqualTo(1));
        Assert.That(outcomes.Count(o => o == Registrar.Outcome.CouponRefused), Is.EqualTo(19));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<int>("SELECT uses FROM coupons"), Is.EqualTo(1));
        Assert.That(await check.QueryAsync<(long, long)>("SELECT amount_due_minor, discount_minor FROM participants"),
            Is.EqualTo(new[] { (1250L, 1250L) }));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_free_coupon_pays_the_entry_at_once_with_a_bib_and_one_confirmation_carrying_the_status_link()
    {
        await using (var connection = await OpenAsync())
            await CouponAsync(connection, "FREE-ENTRY", percentOff: 100);
        var token = StatusTokens.New();

        var outcome = await app.Services.GetRequiredService<Registrar>()
            .RegisterAsync(PriceTiersTests.Runner(race, "Anna", "FREE-ENTRY"), token, joinWaitlist: false);

        Assert.That(outcome, Is.EqualTo(Registrar.Outcome.Registered));
        await using var check = await OpenAsync();
        var runner = await check.QuerySingleAsync<(string Status, int? Bib, long Due, long? Paid, long Discount)>(
            "SELECT payment_status, bib, amount_due_minor, amount_paid_minor, discount_minor FROM participants");
        Assert.That(runner, Is.EqualTo(("PAID", (int?)700, 0L, (long?)0L, 2500L)));
        var emails = (await check.QueryAsync<(string Kind, string Text, string? Token)>("SELECT kind, text_body, status_token FROM email_logs")).ToList();
        Assert.That(emails.Select(e => e.Kind), Is.EqualTo(new[] { "PAYMENT_CONFIRMED" }));
        // The link's token waits beside the body (its placeholder) until the message is sent.
        Assert.That(emails[0].Text, Does.Contain($"/status/{OutboxMessage.StatusTokenPlaceholder}").And.Contain("EUR 0.00").And.Contain("700"));
        Assert.That(emails[0].Token, Is.EqualTo(token));
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT action FROM audit_log"), Is.EqualTo("payment.marked_paid"));
    }
}
