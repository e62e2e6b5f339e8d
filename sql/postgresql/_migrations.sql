-- What cwdb reads of yoyo's bookkeeping on PostgreSQL, and the lock its
-- migrators share; yoyo writes the bookkeeping (its postgresql+psycopg
-- backend on cwdb's connection), so `yoyo list` / `yoyo rollback --database
-- postgresql+psycopg://...` see what cwdb.ensure_schema applied, and back.
-- tests/test_yoyo_layout.py fails if yoyo's tables change under these.

-- name: take_migration_lock!
-- Serialise cwdb's migrators, on every machine: a transaction-level advisory
-- lock, released by COMMIT or ROLLBACK. The key is cwdb's own constant
-- (the ASCII of "cwdbmig" as one bigint). Waits at most lock_timeout.
SELECT pg_advisory_xact_lock(27997295726127463);

-- name: has_migration_table$
-- true when yoyo's bookkeeping exists (a database migrated before).
SELECT to_regclass('_yoyo_migration') IS NOT NULL;

-- name: applied
-- (hash, id) of every applied migration, in the order they were applied.
-- scan: yoyo's bookkeeping table holds one row per migration.
SELECT migration_hash, migration_id FROM _yoyo_migration
ORDER BY applied_at_utc, migration_id;

-- name: lock_holders
-- Processes holding yoyo's migration lock (at most one row): the `yoyo`
-- command line on some machine, which cwdb waits for.
-- scan: yoyo's lock table holds at most one row.
SELECT pid FROM yoyo_lock;
