using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// A runner under 18 on race day registers with a parent's or guardian's name, phone and consent, kept
/// with the time it was given and the waiver version it was given for. All four or none: a consent
/// without a guardian, or a guardian without a consent, cannot be stored.
/// </summary>
[Migration(50, "guardian consent for minors")]
public sealed class AddGuardianConsent : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE participants
            ADD COLUMN guardian_name text CHECK (length(guardian_name) BETWEEN 1 AND 100 AND guardian_name !~ '[[:cntrl:]]'),
            ADD COLUMN guardian_phone text CHECK (guardian_phone ~ '^\+?[0-9]{6,15}$'),
            ADD COLUMN guardian_consent_at timestamptz,
            ADD COLUMN guardian_waiver_version text,
            ADD CONSTRAINT participants_guardian_complete CHECK (
                (guardian_name IS NULL) = (guardian_phone IS NULL)
                AND (guardian_name IS NULL) = (guardian_consent_at IS NULL)
                AND (guardian_name IS NULL) = (guardian_waiver_version IS NULL));
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE participants
            DROP COLUMN guardian_name, DROP COLUMN guardian_phone, DROP COLUMN guardian_consent_at,
            DROP COLUMN guardian_waiver_version;
        """);
}
