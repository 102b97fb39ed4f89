using Dapper;
using Npgsql;

namespace TauTauRun.Web.Email;

/// <summary>
/// The organiser's current wording of a kind in a language, if any: the newest version in
/// <c>email_templates</c> for that kind and language, unless that version is a return to the built-in
/// text (no subject and body). Each language has its own versions: a text customised only in English
/// is not used for a runner who reads Indonesian, who gets the built-in Indonesian text instead
/// (English words sent to an Indonesian reader are worse than the organiser's tone missing).
/// </summary>
public static class EmailTemplateStore
{
    public static Task<OrganiserTemplate?> CurrentAsync(NpgsqlConnection connection, string kind, string language, NpgsqlTransaction? transaction = null) =>
        connection.QuerySingleOrDefaultAsync<OrganiserTemplate?>(Current("@language"), new { kind, language }, transaction);

    /// <summary>The query for kind <c>@kind</c> in the language <paramref name="language"/> (a parameter or a subquery).</summary>
    public static string Current(string language) => $"""
        SELECT subject, body FROM email_templates
        WHERE kind = @kind AND language = {language} AND subject IS NOT NULL
          AND version = (SELECT max(version) FROM email_templates WHERE kind = @kind AND language = {language})
        """;
}
