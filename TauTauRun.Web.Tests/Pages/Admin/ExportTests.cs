using System.Net;
using System.Text;
using Dapper;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

/// <summary>The CSV exports: RFC 4180 quoting, a BOM for Excel, formulas neutralised, audited, admins only.</summary>
public sealed class ExportTests : DatabaseTest
{
    private TestApp app = null!;
    private AdminSession admin = null!;

    [SetUp]
    public async Task StartAsync()
    {
        app = new TestApp();
        await using (var connection = await OpenAsync())
        {
            var category = await TestData.CategoryAsync(connection, "10K, \"fast\"", capacity: 10);
            var tricky = await TestData.ParticipantAsync(connection, category, "PAID", "tricky@runners.test");
            await connection.ExecuteAsync("""
                UPDATE participants SET full_name = '=HYPERLINK("http://evil.example","click")', club = '@SUM(A1:A9)',
                    medical_notes = 'asthma, "mild"' || E'\n' || 'carries inhaler', gender = 'F', date_of_birth = '1985-06-01', bib = 42,
                    language = 'id'
                WHERE id = @tricky
                """, new { tricky });
            await TestData.ParticipantAsync(connection, category, "PENDING", "plain@runners.test");
        }
        await AdminSession.CreateAdminAsync("boss", "a-long-enough-password");
        admin = new AdminSession(app);
        await admin.LogInOrFailAsync("boss", "a-long-enough-password");
    }

    [TearDown]
    public void Stop()
    {
        admin.Dispose();
        app.Dispose();
    }

    [Test]
    public async Task The_participant_export_quotes_as_rfc_4180_neutralises_formulas_and_opens_in_excel()
    {
        var response = await admin.GetAsync("/admin/exports?handler=Participants");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/csv"));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.That(bytes.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "a UTF-8 BOM, so Excel reads accents");
        var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        Assert.That(text, Does.Contain("\r\n"));
        var records = Rfc4180.Parse(text);
        Assert.That(records, Has.Count.EqualTo(3));
        var header = records[0];
        var tricky = records.Single(r => r[header.IndexOf("email")] == "tricky@runners.test");
        Assert.That(tricky[header.IndexOf("full_name")], Is.EqualTo("'=HYPERLINK(\"http://evil.example\",\"click\")"));
        Assert.That(tricky[header.IndexOf("club")], Is.EqualTo("'@SUM(A1:A9)"));
        Assert.That(tricky[header.IndexOf("medical_notes")], Is.EqualTo("asthma, \"mild\"\ncarries inhaler"));
        Assert.That(tricky[header.IndexOf("category")], Is.EqualTo("10K, \"fast\""));
        Assert.That(tricky[header.IndexOf("amount_paid")], Is.EqualTo("25.00"));
        Assert.That(tricky[header.IndexOf("language")], Is.EqualTo("id"), "the language the runner's emails are written in");
        Assert.That(records.All(r => r.Count == header.Count), Is.True);
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'export.participants'"), Is.EqualTo(1));
    }

    [Test]
    public async Task The_start_list_has_paid_runners_by_bib_with_their_age_group()
    {
        var text = await admin.Http.GetStringAsync("/admin/exports?handler=StartList");

        var records = Rfc4180.Parse(text.TrimStart('\uFEFF'));
        Assert.That(records[0], Is.EqualTo(new[] { "bib", "name", "gender", "date_of_birth", "age_group", "category", "club" }));
        Assert.That(records, Has.Count.EqualTo(2), "only the paid runner starts");
        Assert.That(records[1][0], Is.EqualTo("42"));
        Assert.That(records[1][4], Is.EqualTo("F40"), "41 on race day in May 2027");
    }

    [Test]
    public async Task A_volunteer_cannot_export()
    {
        await AdminSession.CreateAdminAsync("helper", "a-long-enough-password", "volunteer");
        using var volunteer = new AdminSession(app);
        await volunteer.LogInOrFailAsync("helper", "a-long-enough-password");

        var response = await volunteer.GetAsync("/admin/exports?handler=Participants");

        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.Not.EqualTo("text/csv"));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action LIKE 'export.%'"), Is.Zero);
    }

    /// <summary>A strict RFC 4180 reader, so the test checks the format rather than trusting the writer's own reader.</summary>
    private static class Rfc4180
    {
        public static List<List<string>> Parse(string text)
        {
            var records = new List<List<string>>();
            var record = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                    else if (c == '"') quoted = false;
                    else field.Append(c);
                }
                else if (c == '"') quoted = true;
                else if (c == ',') { record.Add(field.ToString()); field.Clear(); }
                else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    record.Add(field.ToString()); field.Clear(); records.Add(record); record = []; i++;
                }
                else field.Append(c);
            }
            if (field.Length > 0 || record.Count > 0)
            {
                record.Add(field.ToString());
                records.Add(record);
            }
            return records;
        }
    }
}
