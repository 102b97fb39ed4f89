using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Bank-statement import: an upload waiting for its confirmation (its parsed incoming lines), and every
/// line ever confirmed, by its identity, so importing the same statement again pays nobody twice. A line
/// not paid automatically waits in the unmatched queue until an admin marks it dealt with.
/// </summary>
[Migration(41, "bank statement lines")]
public sealed class CreateBankStatementLines : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE bank_imports (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            file_name text NOT NULL,
            lines jsonb NOT NULL,
            uploaded_by text NOT NULL,
            uploaded_at timestamptz NOT NULL DEFAULT now(),
            confirmed_at timestamptz
        );
        CREATE TABLE bank_statement_lines (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            identity_hash text NOT NULL UNIQUE,
            import_id bigint NOT NULL REFERENCES bank_imports (id),
            booked_on date NOT NULL,
            description text NOT NULL,
            amount_minor bigint NOT NULL,
            outcome text NOT NULL,
            runner_references text[] NOT NULL,
            resolved_at timestamptz,
            resolved_by text
        );
        CREATE INDEX bank_statement_lines_unresolved ON bank_statement_lines (id) WHERE resolved_at IS NULL AND outcome <> 'PAID';
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE bank_statement_lines;
        DROP TABLE bank_imports;
        """);
}
