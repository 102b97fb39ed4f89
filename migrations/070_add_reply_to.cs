using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// The organiser's address that runners' replies go to (every email's Reply-To): the sender,
/// SMTP_FROM, is usually a noreply address. Empty until an admin sets it; then replies go to SMTP_FROM.
/// </summary>
[Migration(70, "organiser's reply address")]
public sealed class AddReplyTo : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE event_settings
            ADD COLUMN reply_to text NOT NULL DEFAULT ''
                CHECK (reply_to = '' OR (length(reply_to) <= 254 AND reply_to ~ '^[^@[:space:][:cntrl:]]+@[^@[:space:][:cntrl:]]+$'));
        """);

    public override void Down() => Execute.Sql("ALTER TABLE event_settings DROP COLUMN reply_to;");
}
