using Dapper;
using TauTauRun.Web.Email;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Email;

/// <summary>The plan's Scenario 5: its query, and the command that fixes what the query finds.</summary>
public sealed class ResendFailedEmailsTests : DatabaseTest
{
    private const string PlansQuery = """
        SELECT p.* FROM participants p
        LEFT JOIN email_logs e ON p.id = e.participant_id
        WHERE p.payment_status = 'PAID'
          AND (e.status = 'FAILED' OR e.status IS NULL);
        """;

    private readonly Dictionary<string, (long Id, string Reference)> runners = [];

    [SetUp]
    public async Task CreateRunnersAsync()
    {
        await using var connection = await OpenAsync();
        var category = await TestData.CategoryAsync(connection);
        foreach (var name in new[] { "paidFailed", "paidNoEmail", "paidSent", "pendingFailed", "paidOnlyRegistrationSent" })
        {
            var id = await TestData.ParticipantAsync(connection, category, name.StartsWith("paid") ? "PAID" : "PENDING");
            runners[name] = (id, await connection.ExecuteScalarAsync<string>("SELECT reference FROM participants WHERE id = @id", new { id }) ?? "");
        }
        await TestData.EmailAsync(connection, runners["paidFailed"].Id, EmailKind.PaymentConfirmed, "FAILED");
        await TestData.EmailAsync(connection, runners["paidSent"].Id, EmailKind.PaymentConfirmed, "SENT");
        await TestData.EmailAsync(connection, runners["pendingFailed"].Id, EmailKind.RegistrationReceived, "FAILED");
        await TestData.EmailAsync(connection, runners["paidOnlyRegistrationSent"].Id, EmailKind.RegistrationReceived, "SENT");
    }

    [Test]
    public async Task The_plans_query_returns_the_paid_participants_with_failed_or_missing_emails()
    {
        await using var connection = await OpenAsync();

        var ids = (await connection.QueryAsync<long>($"SELECT id FROM ({PlansQuery.TrimEnd(';', '\n', '\r')}) found")).ToList();

        Assert.That(ids, Is.EquivalentTo(new[] { runners["paidFailed"].Id, runners["paidNoEmail"].Id }));
    }

    [Test]
    public async Task Resend_queues_the_plans_participants_and_the_unconfirmed_once_and_then_nothing()
    {
        var environment = PublishedApp.Environment(Path.Combine(TestDatabase.TempRoot, "logs", Guid.NewGuid().ToString("N")));

        var first = await PublishedApp.RunCommandAsync(environment, "resend-failed-emails");
        var second = await PublishedApp.RunCommandAsync(environment, "resend-failed-emails");

        Assert.That(first.ExitCode, Is.Zero, first.Error);
        Assert.That(first.Output, Does.Contain("Queued 1 failed message(s) again and 2 new payment confirmation(s) for 3 participant(s)."));
        Assert.That(first.Output, Does.Contain(string.Join(", ", new[] { "paidFailed", "paidNoEmail", "paidOnlyRegistrationSent" }
            .Select(name => runners[name].Reference).Order())));
        Assert.That(second.ExitCode, Is.Zero, second.Error);
        Assert.That(second.Output, Does.Contain("Queued 0 failed message(s) again and 0 new payment confirmation(s) for 0 participant(s)."));

        await using var connection = await OpenAsync();
        Assert.That(await connection.QueryAsync(PlansQuery), Is.Empty, "nothing the plan looks for is left");
        var confirmations = await connection.QueryAsync<(long, string)>(
            "SELECT participant_id, status FROM email_logs WHERE kind = 'PAYMENT_CONFIRMED' AND status = 'QUEUED'");
        Assert.That(confirmations.Select(c => c.Item1), Is.EquivalentTo(new[]
            { runners["paidFailed"].Id, runners["paidNoEmail"].Id, runners["paidOnlyRegistrationSent"].Id }));
        Assert.That(await connection.ExecuteScalarAsync<string>(
            "SELECT status FROM email_logs WHERE participant_id = @Id", new { runners["pendingFailed"].Id }), Is.EqualTo("FAILED"),
            "only paid runners' mail is the plan's concern");
    }

    [Test]
    public async Task A_dry_run_reports_the_same_and_changes_nothing()
    {
        var environment = PublishedApp.Environment(Path.Combine(TestDatabase.TempRoot, "logs", Guid.NewGuid().ToString("N")));

        var result = await PublishedApp.RunCommandAsync(environment, "resend-failed-emails", "--dry-run");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        Assert.That(result.Output, Does.Contain("Would queue 1 failed message(s) again and 2 new payment confirmation(s)"));
        await using var connection = await OpenAsync();
        Assert.That(await connection.QueryAsync(PlansQuery), Has.Count.EqualTo(2));
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM email_logs"), Is.EqualTo(4));
    }
}
