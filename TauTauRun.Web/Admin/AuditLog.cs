using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

namespace TauTauRun.Web.Admin;

/// <summary>Who acts: an admin (by id and name, as they were then), a failed login, a runner, or the command line.</summary>
public sealed record AuditActor(long? AdminId, string Name, string? Ip)
{
    public static AuditActor CommandLine { get; } = new(null, "command line", null);

    /// <summary>A runner on their own pages: the row's participant says who, never the link's token.</summary>
    public static AuditActor Runner(HttpContext context) => new(null, "runner", context.Connection.RemoteIpAddress?.ToString());

    /// <summary>The signed-in admin of this request, with the client's address.</summary>
    public static AuditActor Of(HttpContext context) => new(
        long.TryParse(context.User.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null,
        context.User.Identity?.Name ?? "anonymous",
        context.Connection.RemoteIpAddress?.ToString());
}

/// <summary>
/// One row in <c>audit_log</c> per admin action and per runner's own change, written in the caller's transaction so the row and the
/// change commit or roll back together. Details hold before/after values, never a secret: a property
/// named like one is refused, so a careless caller fails in tests rather than leaking in production.
/// </summary>
public static class AuditLog
{
    private static readonly HashSet<string> SecretNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "passwordhash", "hash", "newpassword", "currentpassword", "token", "securitystamp", "stamp", "secret", "cookie",
    };

    public static async Task WriteAsync(NpgsqlTransaction transaction, AuditActor actor, string action,
        object? details = null, long? participantId = null)
    {
        var json = JsonSerializer.SerializeToNode(details ?? new { }, JsonSerializerOptions.Web);
        RefuseSecrets(json);
        await transaction.Connection!.ExecuteAsync("""
            INSERT INTO audit_log (actor_admin_id, actor, action, participant_id, ip, details)
            VALUES (@AdminId, @Name, @action, @participantId, @Ip::inet, @details::jsonb)
            """,
            new { actor.AdminId, actor.Name, action, participantId, actor.Ip, details = json!.ToJsonString() },
            transaction);
    }

    private static void RefuseSecrets(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (SecretNames.Contains(name.Replace("_", "")))
                        throw new ArgumentException($"audit details must not hold '{name}': secrets never go into the audit log");
                    RefuseSecrets(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                    RefuseSecrets(item);
                break;
        }
    }
}
