using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Faults;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>
/// The expand/contract rule of docs/OPERATIONS.md, seen from the release that is running while the
/// next one migrates: during a rolling deploy the old instances serve on the new schema. An "expand"
/// migration (a new column with a default, a new table, a new index) must not break them, even with
/// their statements prepared (Max Auto Prepare), which a SELECT * would break ("cached plan must not
/// change result type").
/// </summary>
[Category("Faults")]
public sealed class ExpandContractTests : DatabaseTest
{
    // What the next release's expand migration may do; dropped again afterwards (the Down).
    private const string Expand = """
        ALTER TABLE participants ADD COLUMN next_release_note text NOT NULL DEFAULT '';
        ALTER TABLE race_categories ADD COLUMN next_release_flag boolean NOT NULL DEFAULT false;
        ALTER TABLE email_logs ADD COLUMN next_release_attempt_log jsonb;
        ALTER TABLE admins ADD COLUMN next_release_locale text;
        CREATE TABLE next_release_table (id bigint PRIMARY KEY);
        """;
    private const string Contract = """
        ALTER TABLE participants DROP COLUMN next_release_note;
        ALTER TABLE race_categories DROP COLUMN next_release_flag;
        ALTER TABLE email_logs DROP COLUMN next_release_attempt_log;
        ALTER TABLE admins DROP COLUMN next_release_locale;
        DROP TABLE next_release_table;
        """;

    [Test]
    public async Task The_running_release_keeps_serving_with_prepared_statements_when_the_next_release_expands_the_schema()
    {
        long category;
        await using (var connection = await OpenAsync())
            category = await TestData.CategoryAsync(connection, capacity: 5);
        await AdminSession.CreateAdminAsync("expand-admin", AdminSession.TestPassword);
        await using var app = await AppProcess.StartAsync();
        using var admin = app.NewClient();
        var login = await AdminSession.LogInWithFormsAsync(new FormClient(admin), "expand-admin", AdminSession.TestPassword);
        Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        // Enough of everything for Npgsql to prepare the statements (it does after a few uses).
        var before = new RegistrationLoad(() => app.NewClient(), [category]);
        await before.RunUntilAcknowledgedAsync(runners: 2, count: 12);
        long runner;
        await using (var connection = await OpenAsync())
            runner = await connection.ExecuteScalarAsync<long>("SELECT min(id) FROM participants");
        string[] pages = ["/admin", "/admin/participants", $"/admin/participants/{runner}", "/admin/categories", "/register", "/"];
        for (var round = 0; round < 25; round++)
            foreach (var page in pages)
                Assert.That((await admin.GetAsync(page)).StatusCode, Is.EqualTo(HttpStatusCode.OK), page);

        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync(Expand);
        try
        {
            var after = new RegistrationLoad(() => app.NewClient(), [category]);
            await after.RunUntilAcknowledgedAsync(runners: 2, count: 12);
            for (var round = 0; round < 5; round++)
                foreach (var page in pages)
                {
                    var response = await admin.GetAsync(page);
                    Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{page} on the expanded schema: {app.ErrorLog()}");
                }
            Assert.That(after.Surprises, Is.Empty, app.ErrorLog());
            Assert.That(await RegistrationInvariants.ViolationsAsync(TestDatabase.ConnectionString, [.. before.Acknowledged, .. after.Acknowledged]), Is.Empty);
        }
        finally
        {
            await using var connection = await OpenAsync();
            await connection.ExecuteAsync(Contract);
        }
    }
}
