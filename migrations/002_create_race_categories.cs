using FluentMigrator;

namespace TauTauRun.Migrations;

/// <summary>
/// Race categories (5K, 10K, …). Bib ranges may not overlap between categories, so a bib number
/// names one runner across the whole event; the exclusion constraint keeps that true in the database.
/// </summary>
[Migration(2, "race categories")]
public sealed class CreateRaceCategories : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE race_categories (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
            distance_meters integer NOT NULL CHECK (distance_meters > 0),
            capacity integer NOT NULL CHECK (capacity >= 0),
            price_minor bigint NOT NULL CHECK (price_minor >= 0),
            currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
            bib_first integer NOT NULL CHECK (bib_first > 0),
            bib_last integer NOT NULL,
            minimum_age integer NOT NULL DEFAULT 0 CHECK (minimum_age BETWEEN 0 AND 120),
            sort_order integer NOT NULL DEFAULT 0,
            is_open boolean NOT NULL DEFAULT true,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CHECK (bib_last >= bib_first),
            CONSTRAINT race_categories_bib_ranges_disjoint
                EXCLUDE USING gist (int4range(bib_first, bib_last, '[]') WITH &&)
        );
        """);

    public override void Down() => Execute.Sql("DROP TABLE race_categories;");
}
