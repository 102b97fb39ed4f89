using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Admin accounts. The security stamp changes whenever sessions must end (password change, disable,
/// revoke-sessions); cookies carry it and are rejected once it no longer matches.
/// </summary>
[Migration(3, "admins")]
public sealed class CreateAdmins : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE admins (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            username text NOT NULL CHECK (username ~ '^[a-z0-9._-]{2,50}$'),
            display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
            password_hash text NOT NULL,
            role text NOT NULL CHECK (role IN ('admin', 'volunteer')),
            is_disabled boolean NOT NULL DEFAULT false,
            must_change_password boolean NOT NULL DEFAULT false,
            security_stamp uuid NOT NULL DEFAULT gen_random_uuid(),
            failed_login_count integer NOT NULL DEFAULT 0 CHECK (failed_login_count >= 0),
            locked_until timestamptz,
            last_login_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT admins_username_key UNIQUE (username)
        );
        """);

    public override void Down() => Execute.Sql("DROP TABLE admins;");
}
