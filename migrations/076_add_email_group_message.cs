using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// A group message's copies in the outbox: one row per run and runner (the unique index: a run can never
/// queue a runner twice). Such a row has no <c>kind</c>, which names a built-in template (a group message
/// has none): exactly one of the two is set.
/// </summary>
[Migration(76, "email group message")]
public sealed class AddEmailGroupMessage : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE email_logs
            ADD COLUMN group_message_id bigint REFERENCES group_messages (id),
            ALTER COLUMN kind DROP NOT NULL,
            ADD CONSTRAINT email_logs_kind_or_group CHECK ((kind IS NULL) = (group_message_id IS NOT NULL));
        CREATE UNIQUE INDEX email_logs_group_runner ON email_logs (group_message_id, participant_id) WHERE group_message_id IS NOT NULL;
        """);

    public override void Down() => Execute.Sql("""
        DELETE FROM email_logs WHERE group_message_id IS NOT NULL;
        DROP INDEX email_logs_group_runner;
        ALTER TABLE email_logs
            DROP CONSTRAINT email_logs_kind_or_group,
            ALTER COLUMN kind SET NOT NULL,
            DROP COLUMN group_message_id;
        """);
}
