using Dapper;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Npgsql;

namespace TauTauRun.Web.Admin;

/// <summary>
/// Data Protection keeps its key ring in memory for up to 24 hours and only notices changes this
/// process made. <c>rotate-keys</c> runs in another process, so this checks the key table (at most
/// every <c>TauTauRun:Admin:SessionCheckSeconds</c>, on a request) and, when it changed, expires the
/// cached ring: revoked keys then stop opening cookies and new cookies use the new key, with no restart.
/// </summary>
public sealed class KeyRingWatcher(NpgsqlDataSource dataSource, IConfiguration configuration)
{
    private readonly TimeSpan interval = TimeSpan.FromSeconds(
        Math.Clamp(configuration.GetValue("TauTauRun:Admin:SessionCheckSeconds", 30), 0, 30));
    private CancellationTokenSource changed = new();
    // Zero, not "unknown": the ring may have been loaded before the first check (at start, or while
    // another instance was adding its key), so the first check that finds keys reloads it once.
    private long lastSeen;
    private long nextCheckTicks;

    public CancellationToken Changed => changed.Token;

    public async Task CheckAsync()
    {
        var now = Environment.TickCount64;
        var due = Interlocked.Read(ref nextCheckTicks);
        if (now < due || Interlocked.CompareExchange(ref nextCheckTicks, now + (long)interval.TotalMilliseconds, due) != due)
            return; // not yet, or another request is checking
        await using var connection = await dataSource.OpenConnectionAsync();
        // Keys and revocations are only ever added, so the newest id says whether anything changed.
        var newest = await connection.ExecuteScalarAsync<long>("SELECT coalesce(max(id), 0) FROM data_protection_keys");
        var before = Interlocked.Exchange(ref lastSeen, newest);
        if (before != newest)
            await Interlocked.Exchange(ref changed, new CancellationTokenSource()).CancelAsync();
    }

    public static async Task CheckOnRequestAsync(HttpContext context, RequestDelegate next)
    {
        await context.RequestServices.GetRequiredService<KeyRingWatcher>().CheckAsync();
        await next(context);
    }
}

/// <summary>The framework's key manager, whose cached key ring also expires when the watcher sees a change.</summary>
public sealed class WatchedKeyManager(IKeyManager inner, KeyRingWatcher watcher) : IKeyManager
{
    public IKey CreateNewKey(DateTimeOffset activationDate, DateTimeOffset expirationDate) => inner.CreateNewKey(activationDate, expirationDate);

    public IReadOnlyCollection<IKey> GetAllKeys() => inner.GetAllKeys();

    public CancellationToken GetCacheExpirationToken() =>
        CancellationTokenSource.CreateLinkedTokenSource(inner.GetCacheExpirationToken(), watcher.Changed).Token;

    public void RevokeKey(Guid keyId, string? reason = null) => inner.RevokeKey(keyId, reason);

    public void RevokeAllKeys(DateTimeOffset revocationDate, string? reason = null) => inner.RevokeAllKeys(revocationDate, reason);
}
