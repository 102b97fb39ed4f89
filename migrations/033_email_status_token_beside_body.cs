using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// A message's status link is no longer kept in its body: the body holds a placeholder and the token
/// waits in <c>status_token</c> until the message is sent (or given up), then it is cleared, so a copy
/// of the database opens no runner's page. Existing bodies are rewritten the same way: messages still
/// to be sent keep their token beside the body, sent ones lose it.
/// </summary>
[Migration(33, "email status token beside the body")]
public sealed class EmailStatusTokenBesideBody : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE email_logs ADD COLUMN status_token text CHECK (status_token ~ '^[A-Za-z0-9_-]{43}$');
        UPDATE email_logs SET status_token = substring(text_body FROM '/status/([A-Za-z0-9_-]{43})')
        WHERE status <> 'SENT' AND next_attempt_at IS NOT NULL;
        UPDATE email_logs
        SET html_body = regexp_replace(html_body, '/status/[A-Za-z0-9_-]{43}', '/status/TOKEN-ADDED-WHEN-SENT', 'g'),
            text_body = regexp_replace(text_body, '/status/[A-Za-z0-9_-]{43}', '/status/TOKEN-ADDED-WHEN-SENT', 'g')
        WHERE text_body ~ '/status/[A-Za-z0-9_-]{43}';
        """);

    // Sent messages get the page that sends a new link, as a resend does: their tokens are gone.
    public override void Down() => Execute.Sql("""
        UPDATE email_logs
        SET html_body = replace(html_body, '/status/TOKEN-ADDED-WHEN-SENT', '/status/' || coalesce(status_token, 'link')),
            text_body = replace(text_body, '/status/TOKEN-ADDED-WHEN-SENT', '/status/' || coalesce(status_token, 'link'))
        WHERE text_body LIKE '%/status/TOKEN-ADDED-WHEN-SENT%';
        ALTER TABLE email_logs DROP COLUMN status_token;
        """);
}
