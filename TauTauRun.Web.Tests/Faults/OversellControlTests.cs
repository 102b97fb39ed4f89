using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Email;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>
/// The negative control of the oversell check: the same rush against a variant of the app whose
/// admission counts the runners and then inserts (check, then act), replaced in this test's own service
/// registration. The check that passes for the real app must catch this one overselling.
/// </summary>
[Category("Faults")]
public sealed class OversellControlTests : DatabaseTest
{
    private const int Capacity = 5;

    [Test]
    public async Task The_oversell_check_catches_an_admission_that_counts_before_it_inserts()
    {
        long category;
        await using (var connection = await OpenAsync())
            category = await TestData.CategoryAsync(connection, capacity: Capacity);
        using var app = new TestApp(replaceServices: services => services.AddSingleton<Registrar, CountThenInsertRegistrar>());
        var load = new RegistrationLoad(() => app.CreateClient(new() { AllowAutoRedirect = false }), [category]);
        using var stop = new CancellationTokenSource();
        var rush = load.RunAsync(runners: 16, expected: _ => false, stop.Token);
        await load.WhenAcknowledgedAsync(4 * Capacity);
        await stop.CancelAsync();
        await rush;

        var violations = await RegistrationInvariants.ViolationsAsync(TestDatabase.ConnectionString, load.Acknowledged.ToList());

        Assert.That(violations, Has.Some.Match($@"^race {category} holds \d+ runners in {Capacity} places$"));
    }

    /// <summary>The classic race: two runners both see a free place, and both get it.</summary>
    private sealed class CountThenInsertRegistrar(NpgsqlDataSource dataSource, EmailOutbox outbox, RunnerChanges runnerChanges, AdminChanges payments)
        : Registrar(dataSource, outbox, runnerChanges, payments)
    {
        private readonly NpgsqlDataSource dataSource = dataSource;
        private readonly EmailOutbox outbox = outbox;

        public override async Task<Outcome> RegisterAsync(NewRunner runner, string token, bool joinWaitlist, AuditActor? requester = null)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            var free = await connection.ExecuteScalarAsync<bool>("""
                SELECT count(p.id) < c.capacity FROM race_categories c
                LEFT JOIN participants p ON p.category_id = c.id AND p.payment_status = 'PENDING'
                WHERE c.id = @CategoryId GROUP BY c.id
                """, new { runner.CategoryId });
            await Task.Delay(20); // the work between looking and taking, where others slip in
            await using var transaction = await connection.BeginTransactionAsync();
            var id = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO participants (reference, access_token_hash, category_id, payment_status, full_name, email,
                    phone, date_of_birth, gender, tshirt_size, emergency_contact_name, emergency_contact_phone,
                    amount_due_minor, currency, waiver_version, waiver_accepted_at)
                VALUES (@Reference, @Hash, @CategoryId, @Status, @FullName, @Email, @Phone, @DateOfBirth, @Gender,
                    @TshirtSize, @EmergencyContactName, @EmergencyContactPhone, 2500, 'EUR', @WaiverVersion, now())
                RETURNING id
                """, new
            {
                Reference = References.New(), Hash = StatusTokens.Hash(token), runner.CategoryId,
                Status = free ? "PENDING" : "WAITLISTED", runner.FullName, runner.Email, runner.Phone, runner.DateOfBirth,
                runner.Gender, runner.TshirtSize, runner.EmergencyContactName, runner.EmergencyContactPhone, runner.WaiverVersion,
            }, transaction);
            await outbox.QueueAsync(transaction, id, free ? EmailKind.RegistrationReceived : EmailKind.WaitlistJoined, token);
            await transaction.CommitAsync();
            return free ? Outcome.Registered : Outcome.Waitlisted;
        }
    }
}
