using Dapper;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Registration;

/// <summary>The payment deadline: exactly the overdue places are freed, and the waiting list moves up.</summary>
public sealed class PaymentExpiryTests : DatabaseTest
{
    [Test]
    public async Task The_sweep_expires_exactly_the_overdue_and_lapsed_and_offers_their_places_to_the_waiting_list()
    {
        using var app = new TestApp();
        long categoryId;
        await using (var connection = await OpenAsync())
            categoryId = await TestData.CategoryAsync(connection, capacity: 4);
        var overdue = await RegisterAsync(app, categoryId);
        var recent = await RegisterAsync(app, categoryId);
        var paidLongAgo = await RegisterAsync(app, categoryId);
        var offeredLapsed = await RegisterAsync(app, categoryId);
        var firstWaiting = await RegisterAsync(app, categoryId, joinWaitlist: true);
        var secondWaiting = await RegisterAsync(app, categoryId, joinWaitlist: true);
        var thirdWaiting = await RegisterAsync(app, categoryId, joinWaitlist: true);
        await using (var connection = await OpenAsync())
        {
            // Time passes: seven days is the default deadline.
            await connection.ExecuteAsync("UPDATE participants SET status_changed_at = now() - interval '8 days' WHERE email = ANY(@emails)",
                new { emails = new[] { overdue, paidLongAgo, offeredLapsed } });
            await connection.ExecuteAsync("""
                UPDATE participants SET payment_status = 'PAID', amount_paid_minor = 2500, paid_on = current_date, bib = 7 WHERE email = @paidLongAgo
                """, new { paidLongAgo });
            await connection.ExecuteAsync(
                "UPDATE participants SET payment_status = 'OFFERED', offer_expires_at = now() - interval '1 hour' WHERE email = @offeredLapsed", new { offeredLapsed });
        }

        var sweep = await app.Services.GetRequiredService<PaymentExpiry>().RunOnceAsync();

        Assert.That(sweep, Is.EqualTo(new PaymentExpiry.Sweep(1, 0, 1, false)));
        await using var check = await OpenAsync();
        var statuses = new Dictionary<string, string>();
        foreach (var email in new[] { overdue, recent, paidLongAgo, offeredLapsed, firstWaiting, secondWaiting, thirdWaiting })
            statuses[email] = await Runners.StatusOfAsync(check, email);
        Assert.That(statuses.Values, Is.EqualTo(new[] { "EXPIRED", "PENDING", "PAID", "EXPIRED", "OFFERED", "OFFERED", "WAITLISTED" }));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM category_slots WHERE participant_id IS NOT NULL"), Is.EqualTo(4));
        Assert.That(await check.QueryAsync<string>("""
            SELECT p.email FROM email_logs e JOIN participants p ON p.id = e.participant_id WHERE e.kind = 'REGISTRATION_EXPIRED'
            """), Is.EqualTo(new[] { overdue }));
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs WHERE kind = 'WAITLIST_OFFER'"), Is.EqualTo(2));

        var again = await app.Services.GetRequiredService<PaymentExpiry>().RunOnceAsync();
        Assert.That(again, Is.EqualTo(new PaymentExpiry.Sweep(0, 0, 0, false)), "a second sweep finds nothing more");
    }

    private static async Task<string> RegisterAsync(TestApp app, long categoryId, bool joinWaitlist = false)
    {
        var form = Runners.Form(categoryId);
        if (joinWaitlist)
            form["Form.JoinWaitlist"] = "true";
        Runners.StatusPath(await Runners.RegisterAsync(app, form));
        return form["Form.Email"];
    }
}
