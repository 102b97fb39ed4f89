using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Admin;

/// <summary>
/// Making an admin account, the one way every caller does it (the Admins page, <c>create-admin</c>, the
/// demo data, the tests), with the one username rule the <c>admins</c> table's CHECK holds.
/// </summary>
public static partial class AdminAccounts
{
    /// <summary>What a username may be, in words for messages.</summary>
    public const string UsernameRule = "2 to 50 letters, digits, dots, dashes or underscores";

    /// <summary>A typed username as stored: trimmed and lower-cased, so "Alice " and "alice" are one admin.</summary>
    public static string Username(string typed) => typed.Trim().ToLowerInvariant();

    public static bool IsUsername(string username) => UsernameShape().IsMatch(username);

    /// <summary>How long a first password set by another admin works unused (<c>TauTauRun:Admin:FirstPasswordLifetime</c>, 72 hours).</summary>
    public static TimeSpan FirstPasswordLifetime(IConfiguration configuration) =>
        configuration.GetValue("TauTauRun:Admin:FirstPasswordLifetime", TimeSpan.FromHours(72));

    /// <summary>
    /// Adds the admin in the caller's transaction, with an <c>admin.created</c> audit row when an admin or
    /// the command line does it (<paramref name="actor"/>); null, and nothing changed, if the username is taken.
    /// </summary>
    /// <param name="username">Already <see cref="Username"/>-normalised and checked.</param>
    /// <param name="passwordExpiresIn">For a password chosen by someone else: how long it works if never used.</param>
    /// <remarks>A new admin has no second factor: they set it up after their first password (see <c>TwoFactorSetupModel</c>).</remarks>
    public static async Task<long?> CreateAsync(NpgsqlTransaction transaction, string username, string displayName, string password,
        string role, bool mustChangePassword, AuditActor? actor, TimeSpan? passwordExpiresIn = null)
    {
        var id = await transaction.Connection!.QuerySingleOrDefaultAsync<long?>("""
            INSERT INTO admins (username, display_name, password_hash, role, must_change_password, password_expires_at)
            VALUES (@username, @displayName, @hash, @role, @mustChangePassword, now() + @passwordExpiresIn::interval)
            ON CONFLICT (username) DO NOTHING
            RETURNING id
            """, new { username, displayName, hash = AdminPasswords.Hash(password), role, mustChangePassword, passwordExpiresIn }, transaction);
        if (id is not null && actor is not null)
            await AuditLog.WriteAsync(transaction, actor, "admin.created", new { id, username, displayName, role });
        return id;
    }

    [GeneratedRegex("^[a-z0-9._-]{2,50}$")]
    private static partial Regex UsernameShape();
}
