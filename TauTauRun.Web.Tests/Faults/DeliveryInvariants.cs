using Dapper;
using MimeKit;
using Npgsql;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>
/// What must hold once the mail has drained, whatever the fault was: every outbox row is SENT, every
/// one of them arrived at the SMTP server, and none arrived twice (counted by Message-ID, which stays
/// the same across retries). Returns the violations found, empty when all is well.
/// </summary>
public static class DeliveryInvariants
{
    /// <summary>Waits (up to <paramref name="patience"/>) for every outbox row to be SENT and at the server, then checks.</summary>
    public static async Task<IReadOnlyList<string>> AfterDrainingAsync(TestSmtpServer smtp, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        var rows = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM email_logs");
        await smtp.WaitForAsync(rows, patience);
        // The row is marked SENT just after the server accepted the message.
        while (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM email_logs WHERE status <> 'SENT')") && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return await ViolationsAsync(connection, smtp.Messages);
    }

    private static async Task<IReadOnlyList<string>> ViolationsAsync(NpgsqlConnection connection, IReadOnlyCollection<MimeMessage> received)
    {
        var violations = new List<string>();
        var outbox = (await connection.QueryAsync<(string MessageId, string Status)>("SELECT message_id, status FROM email_logs")).ToList();
        var unsent = outbox.Count(r => r.Status != "SENT");
        if (unsent > 0)
            violations.Add($"{unsent} of {outbox.Count} emails are not SENT");
        var arrivals = received.GroupBy(m => m.MessageId ?? "(none)").ToDictionary(g => g.Key, g => g.Count());
        var twice = arrivals.Count(a => a.Value > 1);
        if (twice > 0)
            violations.Add($"{twice} emails arrived more than once");
        var missing = outbox.Count(r => !arrivals.ContainsKey(r.MessageId));
        if (missing > 0)
            violations.Add($"{missing} emails never arrived");
        var strangers = arrivals.Keys.Except(outbox.Select(r => r.MessageId)).Count();
        if (strangers > 0)
            violations.Add($"{strangers} emails arrived that the outbox does not hold");
        return violations;
    }
}
