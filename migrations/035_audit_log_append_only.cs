using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// <c>audit_log</c> only grows: UPDATE and DELETE are refused, so neither a bug nor a stolen admin
/// session can rewrite history through the application. The one exception is the retention purge in
/// docs/OPERATIONS.md: with <c>tautaurun.audit_purge</c> set to <c>on</c> in its transaction, rows older
/// than a year may be deleted. TRUNCATE is left alone: it is the tests' reset, and it needs the table's
/// owner, who could drop the trigger anyway.
/// </summary>
[Migration(35, "audit log append-only")]
public sealed class AuditLogAppendOnly : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND current_setting('tautaurun.audit_purge', true) = 'on'
               AND OLD.occurred_at < now() - interval '1 year' THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'rows older than a year are purged as docs/OPERATIONS.md says (Audit log retention)';
        END
        $$;
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER audit_log_append_only ON audit_log;
        DROP FUNCTION audit_log_append_only();
        """);
}
