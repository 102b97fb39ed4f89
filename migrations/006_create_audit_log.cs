using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Who did what, written in the same transaction as the action. <c>actor</c> keeps the name as it was,
/// so renaming or removing an admin does not rewrite history.
/// </summary>
[Migration(6, "audit log")]
public sealed class CreateAuditLog : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE audit_log (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            occurred_at timestamptz NOT NULL DEFAULT now(),
            actor_admin_id bigint REFERENCES admins (id),
            actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 100),
            action text NOT NULL CHECK (action ~ '^[a-z_.]{1,60}$'),
            participant_id bigint REFERENCES participants (id),
            ip inet,
            details jsonb NOT NULL DEFAULT '{}'
        );

        CREATE INDEX audit_log_occurred_at ON audit_log (occurred_at);
        CREATE INDEX audit_log_participant ON audit_log (participant_id) WHERE participant_id IS NOT NULL;
        """);

    public override void Down() => Execute.Sql("DROP TABLE audit_log;");
}
