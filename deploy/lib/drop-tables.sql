-- Drops every table of the public schema (and what depends on it) inside the restore's transaction,
-- so a dump replaces the whole schema: a dump taken before a later migration then restores whole,
-- instead of failing on the newer tables that still reference the old ones. Read by backup.sh (put
-- at the head of every dump) and by deploy/restore.sh (for dumps written without it).
DO $drop$
DECLARE
    tablename text;
BEGIN
    FOR tablename IN SELECT t.tablename FROM pg_tables t WHERE t.schemaname = 'public' LOOP
        EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', tablename);
    END LOOP;
END
$drop$;
