using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// A status link emailed but not opened yet (its SHA-256), kept beside the current one: asking for a
/// new link, which anyone can do for any address, no longer breaks the link the runner has until the
/// new one is used. <c>link_sent_at</c> is the per-address cooldown of "send me my link", held here so
/// that it counts across client addresses and instances.
/// </summary>
[Migration(39, "pending status link")]
public sealed class AddPendingStatusLink : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE participants
            ADD COLUMN pending_token_hash bytea CHECK (octet_length(pending_token_hash) = 32),
            ADD COLUMN link_sent_at timestamptz,
            ADD CONSTRAINT participants_pending_token_hash_key UNIQUE (pending_token_hash);
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE participants
            DROP COLUMN pending_token_hash,
            DROP COLUMN link_sent_at;
        """);
}
