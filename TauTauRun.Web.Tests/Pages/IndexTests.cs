using System.Net;
using AngleSharp.Html.Parser;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages;

public sealed class IndexTests : DatabaseTest
{
    [Test]
    public async Task Shows_the_event_from_settings_and_its_categories_escaped()
    {
        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("""
                INSERT INTO race_categories (name, distance_meters, capacity, price_minor, currency, bib_first, bib_last)
                VALUES ('10K <b>fast</b>', 10000, 100, 2550, 'EUR', 1, 100)
                """);
        using var app = new TestApp();
        using var client = app.CreateClient();

        var response = await client.GetAsync("/");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        Assert.That(page.QuerySelector("h1")!.TextContent, Is.EqualTo("Tau-Tau Run"));
        var category = page.QuerySelector(".categories li")!;
        Assert.That(category.TextContent, Does.Contain("10K <b>fast</b>").And.Contain("EUR 25.50"));
        Assert.That(category.QuerySelector("b b"), Is.Null, "a stored name must be rendered as text");
    }
}
