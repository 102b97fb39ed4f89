using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// ASP.NET Core Data Protection's key ring, kept in the database so that a restart, a second instance
/// or a restore keeps admins' cookies valid, and so that rotating it is one transaction.
/// </summary>
[Migration(7, "data protection keys")]
public sealed class CreateDataProtectionKeys : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE data_protection_keys (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            friendly_name text NOT NULL,
            xml text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        """);

    public override void Down() => Execute.Sql("DROP TABLE data_protection_keys;");
}
