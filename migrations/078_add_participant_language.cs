using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// The language a runner registered in (a two-letter code, e.g. <c>en</c>, <c>id</c>): every email to
/// them is written in it, including those sent later by admins and jobs. Runners registered before
/// this migration wrote in English. The check takes any two-letter code, so a third language needs a
/// resource file, not a migration.
/// </summary>
[Migration(78, "participant language")]
public sealed class AddParticipantLanguage : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE participants ADD COLUMN language text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2}$');
        """);

    public override void Down() => Execute.Sql("ALTER TABLE participants DROP COLUMN language;");
}
