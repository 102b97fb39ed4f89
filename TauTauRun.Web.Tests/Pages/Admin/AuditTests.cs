using System.Net;
using AngleSharp.Html.Parser;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

public sealed class AuditTests : DatabaseTest
{
    [Test]
    public async Task Pages_newest_first_through_the_whole_log_without_gaps_or_repeats()
    {
        await WriteEntriesAsync(120);
        using var app = new TestApp();
        using var session = await AdminSession.SignedInAsync(app, "alice");

        var seen = new List<int>();
        var pages = 0;
        for (string? next = "/admin/audit?Filter.Action=test.entry"; next is not null; pages++)
        {
            var page = await ParseAsync(await session.GetAsync(next));
            seen.AddRange(page.QuerySelectorAll("table.audit tbody tr").Select(Number));
            next = page.QuerySelectorAll(".paging a").FirstOrDefault(a => a.TextContent == "Older entries")?.GetAttribute("href");
        }

        Assert.That(pages, Is.EqualTo(3));
        Assert.That(seen, Is.EqualTo(Enumerable.Range(0, 120).Reverse().Where(n => n != 2)));
    }

    [Test]
    public async Task Filters_by_action_and_by_any_part_of_the_actor()
    {
        await WriteEntriesAsync(4);
        using var app = new TestApp();
        using var session = await AdminSession.SignedInAsync(app, "alice");

        var byAction = await ParseAsync(await session.GetAsync("/admin/audit?Filter.Action=admin.created"));
        var byActor = await ParseAsync(await session.GetAsync("/admin/audit?Filter.Actor=BOT"));

        Assert.That(byAction.QuerySelectorAll("table.audit tbody tr").Select(r => r.Children[2].TextContent), Is.EqualTo(new[] { "admin.created" }));
        Assert.That(byActor.QuerySelectorAll("table.audit tbody tr").Select(Number), Is.EqualTo(new[] { 3, 1 }));
    }

    [Test]
    public async Task A_malformed_filter_is_a_400_with_a_message()
    {
        using var app = new TestApp();
        using var session = await AdminSession.SignedInAsync(app, "alice");

        var response = await session.GetAsync("/admin/audit?Filter.ParticipantId=abc");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("Please enter a valid"));
    }

    [Test]
    public async Task The_audit_row_is_part_of_the_callers_transaction()
    {
        await using var connection = await OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await AuditLog.WriteAsync(transaction, AuditActor.CommandLine, "test.entry");
            await transaction.RollbackAsync();
        }

        Assert.That(await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT count(*) FROM audit_log"), Is.Zero);
    }

    [TestCase("password")]
    [TestCase("password_hash")]
    [TestCase("securityStamp")]
    [TestCase("token")]
    public async Task Refuses_details_that_name_a_secret(string name)
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var details = new Dictionary<string, object> { ["after"] = new Dictionary<string, string> { [name] = "x" } };

        Assert.That(() => AuditLog.WriteAsync(transaction, AuditActor.CommandLine, "test.entry", details),
            Throws.ArgumentException.With.Message.Contains(name));
    }

    /// <summary>Entries numbered 0..count-1; odd ones by "robot", number 2 is an admin.created.</summary>
    private static async Task WriteEntriesAsync(int count)
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        for (var n = 0; n < count; n++)
            await AuditLog.WriteAsync(transaction, new AuditActor(null, n % 2 == 1 ? "Robot" : "person", "192.0.2.1"),
                n == 2 ? "admin.created" : "test.entry", new { n });
        await transaction.CommitAsync();
    }

    private static int Number(AngleSharp.Dom.IElement row) =>
        System.Text.Json.JsonDocument.Parse(row.Children[5].TextContent).RootElement.GetProperty("n").GetInt32();

    private static async Task<AngleSharp.Html.Dom.IHtmlDocument> ParseAsync(HttpResponseMessage response)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
    }
}
