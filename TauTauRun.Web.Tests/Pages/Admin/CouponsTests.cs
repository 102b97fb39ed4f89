using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

/// <summary>The coupons page: a coupon added, single-use codes generated as CSV, every coupon listed with its uses.</summary>
public sealed class CouponsTests : DatabaseTest
{
    private const string Password = "correct horse battery";
    private TestApp app = null!;

    [SetUp]
    public void StartApp() => app = new TestApp();

    [TearDown]
    public void StopApp() => app.Dispose();

    [Test]
    public async Task Generates_single_use_codes_as_csv_that_runners_can_use_once_and_lists_their_uses()
    {
        long race;
        await using (var connection = await OpenAsync())
            race = await TestData.CategoryAsync(connection);
        using var alice = await SignedInAsync();

        var csv = await alice.PostAsync("/admin/coupons?handler=Generate", new Dictionary<string, string>
        {
            ["Form.PercentOff"] = "100", ["Form.Count"] = "3", ["Form.Prefix"] = "acme", ["Form.Note"] = "ACME sponsor",
            ["Form.RaceIds"] = race.ToString(),
        });

        Assert.That(csv.StatusCode, Is.EqualTo(HttpStatusCode.OK), await csv.Content.ReadAsStringAsync());
        Assert.That(csv.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/csv"));
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("code,discount,valid_from,valid_until,note"));
        var codes = lines.Skip(1).Select(line => line.Split(',')[0]).ToList();
        Assert.That(codes, Has.Count.EqualTo(3).And.All.Match("^ACME-[2-9A-HJKMNP-TV-Z]{8}$"));

        var form = Runners.Form(race);
        form["Form.CouponCode"] = codes[0].ToLowerInvariant();
        var status = Runners.StatusPath(await Runners.RegisterAsync(app, form));
        var again = Runners.Form(race);
        again["Form.CouponCode"] = codes[0];
        var refused = await FormClient.ParseAsync(await Runners.RegisterAsync(app, again));

        Assert.That(refused.GetElementById("Form_CouponCode-error")!.TextContent, Does.Contain("This coupon has been used up."));
        var list = await (await alice.GetAsync("/admin/coupons")).Content.ReadAsStringAsync();
        await using var check = await OpenAsync();
        var reference = await check.ExecuteScalarAsync<string>("SELECT reference FROM participants");
        Assert.That(list, Does.Contain(codes[0]).And.Contain("1 / 1").And.Contain(reference).And.Contain("ACME sponsor"));
        Assert.That(await check.ExecuteScalarAsync<string>("SELECT action FROM audit_log WHERE action LIKE 'coupon%'"), Is.EqualTo("coupons.generated"));
    }

    [TestCase("Form.Code", "x", "3 to 32 letters")]
    [TestCase("Form.PercentOff", "", "either a percentage off or an amount off")]
    [TestCase("Form.PercentOff", "150", "The percentage is 1 to 100")]
    [TestCase("Form.RaceIds", "999999", "Choose races from the list.")]
    public async Task Bad_input_is_a_400_with_a_message_and_adds_nothing(string field, string value, string message)
    {
        using var alice = await SignedInAsync();
        var fields = new Dictionary<string, string> { ["Form.Code"] = "SPRING-10", ["Form.PercentOff"] = "10", ["Form.MaxUses"] = "50" };
        fields[field] = value;

        var add = await alice.PostAsync("/admin/coupons?handler=Add", fields);

        Assert.That(add.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await add.Content.ReadAsStringAsync(), Does.Contain(message));
        await using var check = await OpenAsync();
        Assert.That(await check.ExecuteScalarAsync<long>("SELECT count(*) FROM coupons"), Is.Zero);
    }

    [Test]
    public async Task A_code_that_exists_is_refused_whatever_its_case()
    {
        using var alice = await SignedInAsync();
        var fields = new Dictionary<string, string> { ["Form.Code"] = "SPRING-10", ["Form.PercentOff"] = "10", ["Form.MaxUses"] = "50" };
        Assert.That(AdminSession.RedirectPath(await alice.PostAsync("/admin/coupons?handler=Add", fields)), Is.EqualTo("/admin/coupons"));

        fields["Form.Code"] = "spring-10";
        var again = await alice.PostAsync("/admin/coupons?handler=Add", fields);

        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await again.Content.ReadAsStringAsync(), Does.Contain("There is already a coupon SPRING-10."));
    }

    private async Task<AdminSession> SignedInAsync()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        var session = new AdminSession(app);
        await session.LogInOrFailAsync("alice", Password);
        return session;
    }
}
