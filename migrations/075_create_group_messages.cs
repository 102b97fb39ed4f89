using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// A message an admin wrote to a chosen group of runners: one row per send, with the filter as it was
/// chosen and how many were queued. The form's idempotency key is unique, so a second click or a
/// retried form finds the run it already made instead of making another. <c>statuses</c> are the
/// runner statuses it was written for: a runner whose status has left them by the time their copy is
/// sent (cancelled, or paid after a "please pay") is skipped.
/// </summary>
[Migration(75, "group messages")]
public sealed class CreateGroupMessages : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE group_messages (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            idempotency_key uuid NOT NULL,
            subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
            body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
            statuses text[] NOT NULL CHECK (cardinality(statuses) >= 1),
            filter jsonb NOT NULL,
            recipients integer NOT NULL CHECK (recipients >= 1),
            sent_by text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT group_messages_idempotency_key_key UNIQUE (idempotency_key)
        );
        """);

    public override void Down() => Execute.Sql("DROP TABLE group_messages;");
}
