using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// The erasure of a runner's personal data reaches the audit trail too: with <c>tautaurun.audit_redact</c>
/// set to <c>on</c> in its transaction, an UPDATE may replace a row's details and clear its client
/// address, and nothing else (who, what, when and which runner stay). Everything else stays refused as
/// in migration 35, the retention purge included.
/// </summary>
[Migration(74, "audit log redaction")]
public sealed class AuditLogRedaction : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND current_setting('tautaurun.audit_purge', true) = 'on'
               AND OLD.occurred_at < now() - interval '1 year' THEN
                RETURN OLD;
            END IF;
            IF TG_OP = 'UPDATE' AND current_setting('tautaurun.audit_redact', true) = 'on'
               AND (NEW.id, NEW.occurred_at, NEW.actor_admin_id, NEW.actor, NEW.action, NEW.participant_id)
                   IS NOT DISTINCT FROM (OLD.id, OLD.occurred_at, OLD.actor_admin_id, OLD.actor, OLD.action, OLD.participant_id)
               AND (NEW.ip IS NULL OR NEW.ip = OLD.ip) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'rows older than a year are purged as docs/OPERATIONS.md says (Audit log retention)';
        END
        $$;
        """);

    public override void Down() => Execute.Sql("""
        CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
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
        """);
}
