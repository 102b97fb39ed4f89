using Dapper;
using Npgsql;

namespace TauTauRun.Web.Email;

/// <summary>
/// The organiser's current wording of a kind, if any: the newest version in <c>email_templates</c>,
/// unless that version is a return to the built-in text (no subject and body).
/// </summary>
public static class EmailTemplateStore
{
    /// <summary>The language every message is written in today; the table has the column for more.</summary>
    public const string Language = "en";

    public static Task<OrganiserTemplate?> CurrentAsync(NpgsqlConnection connection, string kind, NpgsqlTransaction? transaction = null) =>
        connection.QuerySingleOrDefaultAsync<OrganiserTemplate?>("""
            SELECT subject, body FROM email_templates
            WHERE kind = @kind AND language = @Language AND subject IS NOT NULL
              AND version = (SELECT max(version) FROM email_templates WHERE kind = @kind AND language = @Language)
            """, new { kind, Language }, transaction);
}
