using System.Net;
using System.Text;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages.Admin;

/// <summary>
/// /admin/payments/import with sample statements written in BCA's and Mandiri's export layouts
/// (Registration/Statements/): each has an exact, an under-, an over-, a two-runner, an unknown, an
/// unreferenced and an already-paid transfer, and a bank charge. Then the same statement again.
/// </summary>
public sealed class PaymentImportTests : DatabaseTest
{
    private TestApp app = null!;

    [OneTimeSetUp]
    public void StartApp() => app = new TestApp(settings: new Dictionary<string, string?> { ["TauTauRun:Admin:SessionCheckSeconds"] = "0" });

    [OneTimeTearDown]
    public void StopApp() => app.Dispose();

    private static readonly string[] Pending = ["TTR-4G7VWP", "TTR-5H8XYZ", "TTR-6J9KMN", "TTR-7K3M9Q", "TTR-8N4P2R"];

    /// <summary>The runners the samples name, each owing IDR 250,000.00; TTR-AB12CD paid already.</summary>
    private static async Task RunnersAsync()
    {
        await using var connection = await OpenAsync();
        var race = await TestData.CategoryAsync(connection, "10K");
        foreach (var (reference, status) in Pending.Select(r => (r, "PENDING")).Append(("TTR-AB12CD", "PAID")))
        {
            var id = await TestData.ParticipantAsync(connection, race, status);
            await connection.ExecuteAsync("""
                UPDATE participants SET reference = @reference, amount_due_minor = 25000000, currency = 'IDR',
                    amount_paid_minor = CASE WHEN payment_status = 'PAID' THEN 25000000 END
                WHERE id = @id
                """, new { reference, id });
        }
    }

    private static byte[] Sample(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Registration", "Statements", name));

    private static async Task<HttpResponseMessage> UploadAsync(AdminSession admin, byte[] file, string layout, params (string, string)[] fields)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(await admin.FormTokenAsync("/admin/payments/import")), "__RequestVerificationToken" },
            { new StringContent(layout), "layout" },
            { new ByteArrayContent(file), "file", "statement.csv" },
        };
        foreach (var (name, value) in fields)
            form.Add(new StringContent(value), name);
        return await admin.Http.PostAsync("/admin/payments/import?handler=Upload", form);
    }

    private static async Task<Dictionary<string, string>> VerdictsAsync(AdminSession admin, string path)
    {
        var page = await FormClient.ParseAsync(await admin.GetAsync(path));
        return page.QuerySelectorAll(".bank-preview tr[class^=verdict-]")
            .ToDictionary(row => row.QuerySelector("td")!.TextContent, row => row.ClassName!["verdict-".Length..]);
    }

    private static Task<HttpResponseMessage> ConfirmAsync(AdminSession admin, string path) =>
        admin.PostAsync("/admin/payments/import?handler=Confirm", new Dictionary<string, string> { ["id"] = path.Split("id=")[1] },
            tokenFrom: "/admin/payments/import");

    private static async Task<(string Reference, string Status, long? Paid)[]> RunnersStateAsync()
    {
        await using var connection = await OpenAsync();
        return (await connection.QueryAsync<(string, string, long?)>(
            "SELECT reference, payment_status, amount_paid_minor FROM participants ORDER BY reference")).ToArray();
    }

    [TestCase("bca-november.csv", "Bca", 7, 8, 9, 10, 11, 12, 13)]
    [TestCase("mandiri-november.csv", "Mandiri", 2, 3, 4, 5, 6, 6, 7)]
    public async Task A_statement_pays_exact_and_shared_transfers_queues_the_rest_and_pays_nobody_twice_when_imported_again(
        string file, string layout, int exact, int under, int over, int several, int unknown, int unreferencedOrUnknown, int alreadyPaid)
    {
        await RunnersAsync();
        using var admin = await AdminSession.SignedInAsync(app, "boss");

        var upload = await UploadAsync(admin, Sample(file), layout);
        var preview = AdminSession.RedirectPath(upload) ?? throw new AssertionException(await upload.Content.ReadAsStringAsync());
        var verdicts = await VerdictsAsync(admin, preview);
        Assert.That(verdicts[$"{exact}"], Is.EqualTo("matched"));
        Assert.That(verdicts[$"{under}"], Is.EqualTo("underpaid"));
        Assert.That(verdicts[$"{over}"], Is.EqualTo("overpaid"));
        Assert.That(verdicts[$"{several}"], Is.EqualTo("several"));
        Assert.That(verdicts[$"{unknown}"], Is.EqualTo("unknownreference"));
        Assert.That(verdicts[$"{unreferencedOrUnknown}"], Is.EqualTo("unknownreference"));
        Assert.That(verdicts[$"{alreadyPaid}"], Is.EqualTo("alreadypaid"));
        Assert.That(verdicts, Has.Count.EqualTo(layout == "Bca" ? 7 : 6), "the bank charge (a debit) is left out");
        Assert.That((await RunnersStateAsync()).Count(r => r.Status == "PAID"), Is.EqualTo(1), "a preview changes nobody");

        Assert.That(AdminSession.RedirectPath(await ConfirmAsync(admin, preview)), Is.EqualTo(preview));
        var state = await RunnersStateAsync();
        Assert.That(state.Where(r => r.Status == "PAID").Select(r => r.Reference),
            Is.EquivalentTo(new[] { "TTR-4G7VWP", "TTR-7K3M9Q", "TTR-8N4P2R", "TTR-AB12CD" }));
        Assert.That(state.Where(r => r.Status == "PAID").Select(r => r.Paid), Has.All.EqualTo(25000000));
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs WHERE kind = 'PAYMENT_CONFIRMED'"), Is.EqualTo(3));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'payment.marked_paid'"), Is.EqualTo(3));
        var queue = await FormClient.ParseAsync(await admin.GetAsync("/admin/payments/import"));
        Assert.That(queue.QuerySelectorAll(".bank-unmatched tr"), Has.Length.EqualTo(1 + (layout == "Bca" ? 5 : 4)));

        // The same statement again (a new upload of the same file), and the first upload confirmed twice.
        var again = AdminSession.RedirectPath(await UploadAsync(admin, Sample(file), layout))!;
        Assert.That((await VerdictsAsync(admin, again)).Values, Has.All.EqualTo("alreadyimported"));
        await ConfirmAsync(admin, again);
        await ConfirmAsync(admin, preview);
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM email_logs WHERE kind = 'PAYMENT_CONFIRMED'"), Is.EqualTo(3));
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM bank_statement_lines"), Is.EqualTo(layout == "Bca" ? 7 : 6));
        Assert.That(await RunnersStateAsync(), Is.EqualTo(state));

        // A person deals with a queued line: it leaves the queue, audited.
        var lineId = queue.QuerySelector(".bank-unmatched input[name=lineId]")!.GetAttribute("value")!;
        await admin.PostAsync("/admin/payments/import?handler=Resolve", new Dictionary<string, string> { ["lineId"] = lineId, ["note"] = "asked Siti for the rest" });
        var after = await FormClient.ParseAsync(await admin.GetAsync("/admin/payments/import"));
        Assert.That(after.QuerySelectorAll(".bank-unmatched tr"), Has.Length.EqualTo(layout == "Bca" ? 5 : 4));
    }

    [Test]
    public async Task Malformed_files_other_layouts_wrong_encodings_and_huge_files_get_a_clear_message_and_change_nothing()
    {
        await RunnersAsync();
        using var admin = await AdminSession.SignedInAsync(app, "boss");
        var bca = Sample("bca-november.csv");
        var cases = new (byte[] File, string Layout, string Message)[]
        {
            (Sample("mandiri-november.csv"), "Bca", "not a BCA statement"),
            (bca, "Mandiri", "not a Mandiri statement"),
            (Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(bca)), "Bca", "not text in UTF-8 or Windows-1252"),
            (Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bca).Replace("'05/11", "'35/11")), "Bca", "Row 9 cannot be read"),
            (new byte[250 * 1024], "Bca", "larger than 200 KB"),
            ([], "Bca", "Choose the statement file"),
            (Encoding.UTF8.GetBytes("a,b,c\r\n"), "Generic", "Give the column numbers"),
        };
        foreach (var (file, layout, message) in cases)
        {
            var response = file.Length == 0
                ? await admin.PostAsync("/admin/payments/import?handler=Upload", new Dictionary<string, string> { ["layout"] = layout })
                : await UploadAsync(admin, file, layout);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), message);
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain(message));
        }
        await using var connection = await OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM bank_imports"), Is.Zero);
        Assert.That((await RunnersStateAsync()).Count(r => r.Status == "PAID"), Is.EqualTo(1));
    }
}
