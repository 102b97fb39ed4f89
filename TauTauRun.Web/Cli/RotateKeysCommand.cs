using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Npgsql;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Cli;

/// <summary>
/// <c>rotate-keys</c>: revokes every Data Protection key and creates a new one, so no cookie or form
/// token made before can be read again (a running service reloads its key ring within 30 seconds, see
/// <see cref="KeyRingWatcher"/>), and gives every admin a new security stamp as well.
/// </summary>
internal sealed class RotateKeysCommand : ICommand
{
    public string Name => "rotate-keys";
    public string Usage => "rotate-keys";

    public Func<IServiceProvider, TextWriter, Task> Prepare(string[] arguments)
    {
        if (arguments.Length > 0)
            throw new UsageException($"unexpected argument '{arguments[0]}'");
        return async (services, output) =>
        {
            var dataSource = services.GetRequiredService<NpgsqlDataSource>();
            var protection = new ServiceCollection().AddLogging().AddSingleton(dataSource);
            protection.AddTauTauRunDataProtection(DataProtectionKeyFile.Load(
                services.GetRequiredService<IConfiguration>(), services.GetRequiredService<IHostEnvironment>()));
            await using var provider = protection.BuildServiceProvider();
            var keys = provider.GetRequiredService<IKeyManager>();

            var revoked = keys.GetAllKeys().Count(key => !key.IsRevoked);
            keys.RevokeAllKeys(DateTimeOffset.UtcNow, "rotate-keys");
            var key = keys.CreateNewKey(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(90));

            await using var connection = await dataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var admins = await RevokeSessionsCommand.RevokeAllAsync(transaction, requirePasswordChange: false);
            await AuditLog.WriteAsync(transaction, AuditActor.CommandLine, "keys.rotated", new { revokedKeys = revoked, newKeyId = key.KeyId, admins });
            await transaction.CommitAsync();
            output.WriteLine($"Revoked {revoked} data protection keys and created key {key.KeyId}.");
            output.WriteLine($"Ended the sessions of {admins} admins. A running service switches to the new key within 30 seconds.");
        };
    }
}
