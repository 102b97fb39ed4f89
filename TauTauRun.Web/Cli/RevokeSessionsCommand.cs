using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Cli;

/// <summary>
/// <c>revoke-sessions [--require-password-change]</c>: a new security stamp for every admin, so every
/// admin cookie stops working (within 30 seconds in a running service, which caches the check that
/// long); with the option every admin must also choose a new password at their next login.
/// </summary>
internal sealed class RevokeSessionsCommand : ICommand
{
    public string Name => "revoke-sessions";
    public string Usage => "revoke-sessions [--require-password-change]";

    public Func<IServiceProvider, TextWriter, Task> Prepare(string[] arguments)
    {
        var requirePasswordChange = arguments switch
        {
            [] => false,
            ["--require-password-change"] => true,
            _ => throw new UsageException($"unexpected argument '{arguments[0]}'"),
        };
        return async (services, output) =>
        {
            await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var admins = await RevokeAllAsync(transaction, requirePasswordChange);
            await AuditLog.WriteAsync(transaction, AuditActor.CommandLine, "sessions.revoked", new { admins, requirePasswordChange });
            await transaction.CommitAsync();
            output.WriteLine($"Ended the sessions of {admins} admins (a running service notices within 30 seconds).");
            if (requirePasswordChange)
                output.WriteLine("Every admin must choose a new password at their next login.");
        };
    }

    /// <summary>New stamps for every admin; the number of admins.</summary>
    public static Task<int> RevokeAllAsync(NpgsqlTransaction transaction, bool requirePasswordChange) =>
        transaction.Connection!.ExecuteAsync("""
            UPDATE admins
            SET security_stamp = gen_random_uuid(), must_change_password = must_change_password OR @requirePasswordChange,
                updated_at = now()
            """, new { requirePasswordChange }, transaction);
}
