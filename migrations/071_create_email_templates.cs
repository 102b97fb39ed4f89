using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// The organiser's own wording of each email kind, per language: every save is a new version, so an
/// earlier one can be restored. A version without subject and body means "the built-in text" (the way
/// back to the default). Messages already queued keep their rendered copy in email_logs.
/// </summary>
[Migration(71, "editable email templates")]
public sealed class CreateEmailTemplates : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE email_templates (
            id bigserial PRIMARY KEY,
            kind text NOT NULL CHECK (kind ~ '^[A-Z_]{1,50}$'),
            language text NOT NULL CHECK (language ~ '^[a-z]{2}$'),
            version integer NOT NULL CHECK (version >= 1),
            subject text CHECK (length(subject) BETWEEN 1 AND 200),
            body text CHECK (length(body) BETWEEN 1 AND 10000),
            saved_at timestamptz NOT NULL DEFAULT now(),
            saved_by text NOT NULL,
            UNIQUE (kind, language, version),
            CHECK ((subject IS NULL) = (body IS NULL))
        );
        """);

    public override void Down() => Execute.Sql("DROP TABLE email_templates;");
}
