using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Cli;

/// <summary>
/// <c>reset-two-factor --username NAME</c>: for an admin who lost their authenticator app and their
/// recovery codes. Removes the secret and the recovery codes and ends the admin's sessions; at the next
/// login, after the password, they set up the app again. Audited.
/// </summary>
internal sealed class ResetTwoFactorCommand : ICommand
{
    public string Name => "reset-two-factor";
    public string Usage => "reset-two-factor --username NAME";

    public Func<IServiceProvider, TextWriter, Task> Prepare(string[] arguments)
    {
        var username = AdminAccounts.Username(CommandOptions.Parse(arguments, "--username").Required("--username"));
        if (!AdminAccounts.IsUsername(username))
            throw new UsageException($"'{username}' is not a username ({AdminAccounts.UsernameRule})");
        return async (services, output) =>
        {
            await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var admin = await connection.QuerySingleOrDefaultAsync<(long Id, bool HadSecondFactor)>("""
                UPDATE admins AS a
                SET totp_secret = NULL, totp_last_step = NULL, security_stamp = gen_random_uuid(), updated_at = now()
                FROM (SELECT id, totp_secret IS NOT NULL AS had FROM admins WHERE username = @username FOR UPDATE) AS old
                WHERE a.id = old.id
                RETURNING a.id, old.had
                """, new { username }, transaction);
            if (admin.Id == 0)
                throw new CommandFailedException($"there is no admin '{username}'");
            var recoveryCodes = await connection.ExecuteAsync(
                "DELETE FROM admin_recovery_codes WHERE admin_id = @Id", new { admin.Id }, transaction);
            await AuditLog.WriteAsync(transaction, AuditActor.CommandLine, "admin.two_factor_reset",
                new { admin.Id, username, admin.HadSecondFactor, recoveryCodesRemoved = recoveryCodes });
            await transaction.CommitAsync();
            output.WriteLine(admin.HadSecondFactor
                ? $"Removed the second factor of '{username}' and ended their sessions; they set it up again after their password at the next login."
                : $"'{username}' had no second factor; their sessions have ended. They set one up after their password at the next login.");
        };
    }
}
