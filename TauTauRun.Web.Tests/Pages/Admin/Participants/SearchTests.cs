using System.Net;
using AngleSharp.Html.Dom;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin.Participants;

/// <summary>Finding runners: any fragment, filters, sorting and pages.</summary>
public sealed class SearchTests : DatabaseTest
{
    private TestApp app = null!;
    private AdminSession admin = null!;
    private long tenK;
    private long fiveK;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using (var connection = await OpenAsync())
        {
            tenK = await TestData.CategoryAsync(connection, "10K", capacity: 500);
            fiveK = await TestData.CategoryAsync(connection, "5K", capacity: 500, bibFirst: 20000, bibLast: 29999);
            await Runner(connection, tenK, "José Núñez", "jose.nunez@club.example", "+34699887766", "PAID", "L");
            await Runner(connection, tenK, "Anna de Vries", "anna@runners.test", "+31612345678", "PENDING", "S");
            await Runner(connection, fiveK, "王小明", "xiaoming@example.cn", "+8613800138000", "PENDING", "M");
        }
        await AdminSession.CreateAdminAsync("volunteer", "a-long-enough-password", "volunteer");
        admin = new AdminSession(app);
        await admin.LogInOrFailAsync("volunteer", "a-long-enough-password");
    }

    [TearDown]
    public void Stop()
    {
        admin.Dispose();
        app.Dispose();
    }

    [TestCase("núñez", "José Núñez")]
    [TestCase("NUNEZ@CLUB", "José Núñez")]
    [TestCase("06 1234 5678", "Anna de Vries")]
    [TestCase("699 887", "José Núñez")]
    [TestCase("小明", "王小明")]
    [TestCase("100%", new string[0])]
    public async Task Search_finds_any_fragment_of_name_email_or_phone(string query, params string[] names)
    {
        Assert.That(await NamesAsync($"/admin/participants?q={Uri.EscapeDataString(query)}&sort=name"), Is.EquivalentTo(names));
    }

    [Test]
    public async Task Search_finds_a_reference_and_a_bib()
    {
        await using var connection = await OpenAsync();
        var (reference, bib) = await connection.QuerySingleAsync<(string, int)>("SELECT reference, bib FROM participants WHERE payment_status = 'PAID'");

        Assert.That(await NamesAsync($"/admin/participants?q={reference.ToLowerInvariant()}"), Is.EqualTo(new[] { "José Núñez" }));
        Assert.That(await NamesAsync($"/admin/participants?q={bib}"), Does.Contain("José Núñez"));
    }

    [Test]
    public async Task Filters_narrow_by_race_status_and_size()
    {
        Assert.That(await NamesAsync($"/admin/participants?category={fiveK}"), Is.EqualTo(new[] { "王小明" }));
        Assert.That(await NamesAsync("/admin/participants?status=PENDING&sort=name"), Is.EqualTo(new[] { "Anna de Vries", "王小明" }));
        Assert.That(await NamesAsync($"/admin/participants?category={tenK}&size=L"), Is.EqualTo(new[] { "José Núñez" }));
    }

    [Test]
    public async Task Pages_follow_each_other_without_gaps_or_repeats_in_every_sort()
    {
        await using (var connection = await OpenAsync())
            for (var i = 0; i < 117; i++)
                await Runner(connection, tenK, $"Runner {i:000}", $"r{i}@runners.test", $"+3161234{i:0000}", i % 3 == 0 ? "PAID" : "PENDING", "M");

        foreach (var sort in new[] { "newest", "name", "bib", "reference" })
        {
            var seen = new List<string>();
            var next = $"/admin/participants?sort={sort}";
            var pages = 0;
            while (next is not null)
            {
                var page = await PageAsync(next);
                seen.AddRange(page.QuerySelectorAll("table.participants tbody tr td:nth-last-child(9)").Select(c => c.TextContent));
                next = page.QuerySelectorAll(".paging a").FirstOrDefault(a => a.TextContent == "Next page")?.GetAttribute("href");
                pages++;
            }
            Assert.That(pages, Is.EqualTo(3), sort);
            Assert.That(seen, Has.Count.EqualTo(120).And.Unique, sort);
        }
    }

    [TestCase("/admin/participants?status=NOPE")]
    [TestCase("/admin/participants?sort=dropTables")]
    [TestCase("/admin/participants?sort=name&after=garbage")]
    [TestCase("/admin/participants?category=abc")]
    public async Task A_wrong_filter_or_page_link_is_a_400(string url)
    {
        Assert.That((await admin.GetAsync(url)).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    private async Task<IHtmlDocument> PageAsync(string url)
    {
        var response = await admin.GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        return await FormClient.ParseAsync(response);
    }

    private async Task<List<string>> NamesAsync(string url) =>
        (await PageAsync(url)).QuerySelectorAll("table.participants tbody tr td:nth-last-child(8)").Select(c => c.TextContent).ToList();

    private static async Task Runner(Npgsql.NpgsqlConnection connection, long category, string name, string email, string phone, string status, string size)
    {
        var id = await TestData.ParticipantAsync(connection, category, status, email);
        await connection.ExecuteAsync("UPDATE participants SET full_name = @name, phone = @phone, tshirt_size = @size WHERE id = @id",
            new { id, name, phone, size });
    }
}
