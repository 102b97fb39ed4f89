using System.Net;
using AngleSharp.Html.Dom;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;
using TauTauRun.Web.Tests.Registration;

namespace TauTauRun.Web.Tests.Pages;

/// <summary>What runners see of prices and coupons: the price now and when it changes, and a coupon checked beside its field.</summary>
public sealed class PricesAndCouponsTests : DatabaseTest
{
    private TestApp app = null!;
    private long race;
    private long otherRace;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using var connection = await OpenAsync();
        race = await TestData.CategoryAsync(connection, "10K", capacity: 50);
        otherRace = await TestData.CategoryAsync(connection, "5K", capacity: 50, bibFirst: 10000, bibLast: 10999);
        await connection.ExecuteAsync("""
            INSERT INTO price_tiers (category_id, position, name, price_minor, ends_at, places)
            VALUES (@race, 1, 'Early bird', 2000, '2099-03-01 12:00Z', 100)
            """, new { race });
    }

    [TearDown]
    public void Stop() => app.Dispose();

    [Test]
    public async Task The_event_page_and_the_form_show_the_price_now_and_when_it_changes()
    {
        var client = new FormClient(app.CreateClient());

        var home = await client.GetAsync("/");
        var form = await client.GetAsync("/register");

        var tenK = home.QuerySelectorAll(".categories li").Single(li => li.TextContent.Contains("10K")).TextContent;
        Assert.That(tenK, Does.Contain("EUR 20.00").And.Contain("Early bird price until 1 March 2099, 13:00 or while places last (100 left); then EUR 25.00"));
        Assert.That(form.QuerySelector($"option[value='{race}']")!.TextContent, Does.Contain("10K – EUR 20.00 (Early bird price until 1 March 2099"));
        Assert.That(form.QuerySelector($"option[value='{otherRace}']")!.TextContent.Trim(), Is.EqualTo("5K – EUR 25.00"));
    }

    [Test]
    public async Task A_coupon_typed_in_any_case_is_charged_and_the_status_page_and_email_show_that_price()
    {
        await using (var connection = await OpenAsync())
            await CouponsTests.CouponAsync(connection, "SPONSOR-10", percentOff: 10, maxUses: 5);
        var form = Runners.Form(race);
        form["Form.CouponCode"] = "  sponsor-10 ";

        var status = Runners.StatusPath(await Runners.RegisterAsync(app, form));

        var page = await new FormClient(app.CreateClient()).GetAsync(status);
        Assert.That(page.QuerySelector(".facts")!.TextContent, Does.Contain("EUR 18.00"));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT text_body FROM email_logs"), Does.Contain("EUR 18.00"));
        Assert.That(await check.ExecuteScalarAsync<int>("SELECT uses FROM coupons"), Is.EqualTo(1));
    }

    [TestCase("NO-SUCH-CODE", "There is no coupon with this code")]
    [TestCase("not a code!", "There is no coupon with this code")]
    [TestCase("EXPIRED", "This coupon has expired.")]
    [TestCase("LATER", "This coupon cannot be used yet.")]
    [TestCase("USED-UP", "This coupon has been used up.")]
    [TestCase("FIVE-K-ONLY", "This coupon is not valid for the race you chose.")]
    public async Task A_coupon_that_cannot_be_used_is_explained_beside_its_field_and_nothing_is_stored(string code, string message)
    {
        await using (var connection = await OpenAsync())
        {
            await CouponsTests.CouponAsync(connection, "EXPIRED", percentOff: 10, validity: "now() - interval '2 days', now() - interval '1 day'");
            await CouponsTests.CouponAsync(connection, "LATER", percentOff: 10, validity: "now() + interval '1 day', NULL");
            await CouponsTests.CouponAsync(connection, "USED-UP", percentOff: 10, maxUses: 1);
            await connection.ExecuteAsync("UPDATE coupons SET uses = 1 WHERE code = 'USED-UP'");
            await CouponsTests.CouponAsync(connection, "FIVE-K-ONLY", percentOff: 10, raceId: otherRace);
        }
        var form = Runners.Form(race);
        form["Form.CouponCode"] = code;

        var client = new FormClient(Runners.NewClient(app));
        var response = await client.SubmitAsync(await client.GetAsync("/register"), "/register", form, "form.runner-form");
        var page = await FormClient.ParseAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var field = page.GetElementById("Form_CouponCode")!;
        Assert.That(field.GetAttribute("aria-invalid"), Is.EqualTo("true"));
        Assert.That(page.GetElementById(field.GetAttribute("aria-describedby")!)!.TextContent, Does.Contain(message));
        Assert.That(page.QuerySelector(".error-summary a[href='#Form_CouponCode']")!.TextContent, Does.Contain(message));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM participants"), Is.Zero);
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs"), Is.Zero);
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT sum(uses) FROM coupons"), Is.EqualTo(1), "only USED-UP's earlier use");
    }

    [Test]
    public async Task A_free_coupon_on_the_form_lands_the_runner_on_a_paid_status_page_with_a_bib()
    {
        await using (var connection = await OpenAsync())
            await CouponsTests.CouponAsync(connection, "GUEST", percentOff: 100);
        var form = Runners.Form(race);
        form["Form.CouponCode"] = "guest";

        var status = Runners.StatusPath(await Runners.RegisterAsync(app, form));

        var page = await new FormClient(app.CreateClient()).GetAsync(status);
        Assert.That(page.QuerySelector(".status")!.TextContent, Does.Contain("Registered and paid").And.Contain("your bib number is 1"));
    }
}
