using Dapper;
using Npgsql;

namespace TauTauRun.Web.Admin;

/// <summary>
/// Failed attempts at any login step (password, second-factor code, the current password on the
/// password page) count together: after <see cref="MaxFailures"/> the account is locked for 15 minutes.
/// </summary>
public static class LoginLockout
{
    public const int MaxFailures = 5;

    /// <summary>Counts one failure of the actor's account, in the caller's transaction (which holds the row's lock).</summary>
    public static async Task CountFailureAsync(NpgsqlTransaction transaction, AuditActor actor)
    {
        var lockedUntil = await transaction.Connection!.QuerySingleAsync<DateTime?>("""
            UPDATE admins
            SET failed_login_count = CASE WHEN failed_login_count + 1 >= @MaxFailures THEN 0 ELSE failed_login_count + 1 END,
                locked_until = CASE WHEN failed_login_count + 1 >= @MaxFailures THEN now() + interval '15 minutes' END
            WHERE id = @AdminId
            RETURNING locked_until
            """, new { actor.AdminId, MaxFailures }, transaction);
        if (lockedUntil is not null)
            await AuditLog.WriteAsync(transaction, actor, "admin.locked", new { lockedUntil });
    }

    /// <summary>A step passed: the count starts again.</summary>
    public static Task ResetAsync(NpgsqlTransaction transaction, long adminId) =>
        transaction.Connection!.ExecuteAsync(
            "UPDATE admins SET failed_login_count = 0, locked_until = NULL WHERE id = @adminId", new { adminId }, transaction);
}
