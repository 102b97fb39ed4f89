using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Admin search by any fragment of name, email, phone or reference stays fast at 100,000 runners: one
/// generated lower-case text per runner under a trigram index (pg_trgm is a trusted extension, so the
/// database owner may create it). Plus the orders the participant list pages by, for keyset paging.
/// </summary>
[Migration(10, "participant search")]
public sealed class AddParticipantSearch : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        ALTER TABLE participants ADD COLUMN search_text text
            GENERATED ALWAYS AS (lower(full_name || ' ' || email || ' ' || phone || ' ' || reference)) STORED;
        CREATE INDEX participants_search ON participants USING gin (search_text gin_trgm_ops);
        CREATE INDEX participants_by_created ON participants (created_at, id);
        CREATE INDEX participants_by_name ON participants (lower(full_name), id);
        CREATE INDEX participants_by_reference ON participants (reference, id);
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX participants_by_reference;
        DROP INDEX participants_by_name;
        DROP INDEX participants_by_created;
        DROP INDEX participants_search;
        ALTER TABLE participants DROP COLUMN search_text;
        """);
}
