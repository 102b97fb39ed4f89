using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// When a runner's personal data was erased (after the event, or at their request): the row keeps its
/// reference, race, status, payment and bib, with placeholders where the personal data was, so the
/// counts stay right and the CHECKs still hold. Null: not erased.
/// </summary>
[Migration(72, "participants.erased_at")]
public sealed class AddParticipantErasedAt : Migration
{
    public override void Up() => Execute.Sql("ALTER TABLE participants ADD COLUMN erased_at timestamptz;");

    public override void Down() => Execute.Sql("ALTER TABLE participants DROP COLUMN erased_at;");
}
