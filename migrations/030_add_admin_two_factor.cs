using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// An admin's TOTP second factor: the shared secret (base32, null until enrolled) and the last time step
/// a code was accepted for, so that no code is ever accepted twice (RFC 6238 section 5.2).
/// </summary>
[Migration(30, "admin two-factor")]
public sealed class AddAdminTwoFactor : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE admins ADD COLUMN totp_secret text CHECK (totp_secret ~ '^[A-Z2-7]{32}$');
        ALTER TABLE admins ADD COLUMN totp_last_step bigint;
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE admins DROP COLUMN totp_last_step;
        ALTER TABLE admins DROP COLUMN totp_secret;
        """);
}
