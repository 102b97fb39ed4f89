using Dapper;
using Npgsql;

namespace TauTauRun.Web.Registration;

/// <summary>
/// The language a runner's emails are written in (<c>participants.language</c>), for the runners an admin
/// enters (walk-ins, paper entries), whose language is the one the admin chose rather than the page's.
/// </summary>
public static class RunnerLanguage
{
    public static Task StoreAsync(NpgsqlTransaction transaction, long participantId, string language) =>
        transaction.Connection!.ExecuteAsync(
            "UPDATE participants SET language = @language WHERE id = @participantId", new { participantId, language }, transaction);
}
