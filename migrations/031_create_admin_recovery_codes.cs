using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// One-time recovery codes for an admin who lost their authenticator: only a SHA-256 of each (the codes
/// are 120 random bits, so a fast hash is enough: ASVS 6.5.2), and when it was used; a used code never works again.
/// </summary>
[Migration(31, "admin recovery codes")]
public sealed class CreateAdminRecoveryCodes : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE admin_recovery_codes (
            admin_id bigint NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
            code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
            used_at timestamptz,
            PRIMARY KEY (admin_id, code_hash)
        );
        """);

    public override void Down() => Execute.Sql("DROP TABLE admin_recovery_codes;");
}
