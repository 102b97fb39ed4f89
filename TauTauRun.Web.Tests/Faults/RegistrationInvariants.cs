using Dapper;
using Npgsql;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>
/// What must hold in the database whatever happened to the app: every acknowledged registration exists
/// exactly once, nothing is half-written, and no race has more runners holding a place than its capacity.
/// Returns the violations found (empty when all is well), so that a test can also prove it finds them.
/// </summary>
public static class RegistrationInvariants
{
    public static async Task<IReadOnlyList<string>> ViolationsAsync(string connectionString, IReadOnlyCollection<string> acknowledged)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var violations = new List<string>();

        var stored = (await connection.QueryAsync<(string Email, long Count)>(
            "SELECT email, count(*) FROM participants WHERE email = ANY(@acknowledged) GROUP BY email",
            new { acknowledged = acknowledged.ToArray() })).ToDictionary(r => r.Email, r => r.Count);
        var missing = acknowledged.Where(email => !stored.ContainsKey(email)).ToList();
        if (missing.Count > 0)
            violations.Add($"{missing.Count} acknowledged registrations are missing");
        var doubled = stored.Count(r => r.Value > 1);
        if (doubled > 0)
            violations.Add($"{doubled} acknowledged registrations are stored more than once");

        violations.AddRange(await connection.QueryAsync<string>("""
            SELECT format('race %s holds %s runners in %s places', c.id, count(p.id), c.capacity)
            FROM race_categories c
            LEFT JOIN participants p ON p.category_id = c.id AND p.payment_status IN ('PENDING', 'PAID', 'OFFERED')
            GROUP BY c.id HAVING count(p.id) > c.capacity
            UNION ALL
            SELECT format('race %s has %s places for a capacity of %s', c.id, count(s.slot_no), c.capacity)
            FROM race_categories c LEFT JOIN category_slots s ON s.category_id = c.id
            GROUP BY c.id HAVING count(s.slot_no) <> c.capacity
            UNION ALL
            SELECT format('runner %s (%s) holds %s places', p.id, p.payment_status, count(s.slot_no))
            FROM participants p LEFT JOIN category_slots s ON s.participant_id = p.id
            GROUP BY p.id
            HAVING count(s.slot_no) <> CASE WHEN p.payment_status IN ('PENDING', 'PAID', 'OFFERED') THEN 1 ELSE 0 END
            UNION ALL
            SELECT format('runner %s has no confirmation email queued', p.id)
            FROM participants p
            WHERE NOT EXISTS (SELECT 1 FROM email_logs e WHERE e.participant_id = p.id
                              AND e.kind IN ('REGISTRATION_RECEIVED', 'WAITLIST_JOINED'))
            """));
        return violations;
    }
}
