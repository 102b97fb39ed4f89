using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// A first password chosen by another admin stops working at this time unless its owner has logged in
/// with it by then (null: the password is the admin's own, or was used).
/// </summary>
[Migration(32, "admin password expiry")]
public sealed class AddAdminPasswordExpiry : Migration
{
    public override void Up() => Execute.Sql("ALTER TABLE admins ADD COLUMN password_expires_at timestamptz;");

    public override void Down() => Execute.Sql("ALTER TABLE admins DROP COLUMN password_expires_at;");
}
