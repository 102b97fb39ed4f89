using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>Rows for tests that need runners before the registration pages exist to create them.</summary>
public static class TestData
{
    /// <summary>A category; the database gives it its places (the slot trigger).</summary>
    public static Task<long> CategoryAsync(NpgsqlConnection connection, string name = "10K", int capacity = 100, int bibFirst = 1, int bibLast = 9999) =>
        connection.ExecuteScalarAsync<long>("""
            INSERT INTO race_categories (name, distance_meters, capacity, price_minor, currency, bib_first, bib_last)
            VALUES (@name, 10000, @capacity, 2500, 'EUR', @bibFirst, @bibLast)
            RETURNING id
            """, new { name, capacity, bibFirst, bibLast });

    /// <summary>A runner in the given status; a PAID one has its payment and a bib.</summary>
    public static Task<long> ParticipantAsync(NpgsqlConnection connection, long categoryId, string status = "PENDING", string? email = null)
    {
        var reference = "TTR-" + RandomNumberGenerator.GetString("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 6);
        var paid = status == "PAID";
        return connection.ExecuteScalarAsync<long>("""
            INSERT INTO participants (reference, access_token_hash, category_id, payment_status, full_name, email, phone,
                date_of_birth, gender, tshirt_size, emergency_contact_name, emergency_contact_phone,
                amount_due_minor, currency, amount_paid_minor, paid_on, bib, waiver_version, waiver_accepted_at)
            VALUES (@reference, @hash, @categoryId, @status, 'Runner ' || @reference, @email, '+31612345678',
                '1990-04-01', 'F', 'M', 'Contact Person', '+31687654321',
                2500, 'EUR', CASE WHEN @paid THEN 2500 END, CASE WHEN @paid THEN current_date END,
                CASE WHEN @paid THEN (SELECT coalesce(max(bib), 0) + 1 FROM participants) END, '2026-1', now())
            RETURNING id
            """, new { reference, hash = RandomNumberGenerator.GetBytes(32), categoryId, status, email = email ?? $"{reference.ToLowerInvariant()}@runners.test", paid });
    }

    /// <summary>An outbox row in a given state, as a past delivery attempt would have left it.</summary>
    public static Task<long> EmailAsync(NpgsqlConnection connection, long participantId, string kind, string status) =>
        connection.ExecuteScalarAsync<long>("""
            INSERT INTO email_logs (participant_id, kind, recipient, subject, html_body, text_body, message_id, status,
                attempts, last_error, next_attempt_at, sent_at, last_attempt_at)
            SELECT id, @kind, email, 'Subject', '<p>Body</p>', 'Body', gen_random_uuid() || '@tautaurun.test', @status,
                CASE WHEN @status = 'QUEUED' THEN 0 ELSE 1 END,
                CASE WHEN @status = 'FAILED' THEN 'SMTP 550: mailbox unavailable' END,
                CASE WHEN @status = 'QUEUED' THEN now() END,
                CASE WHEN @status = 'SENT' THEN now() END,
                CASE WHEN @status <> 'QUEUED' THEN now() END
            FROM participants WHERE id = @participantId
            RETURNING id
            """, new { participantId, kind, status });
}
