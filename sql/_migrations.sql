-- What cwdb reads of yoyo's bookkeeping; yoyo writes it.
--
-- cwdb.ensure_schema applies migrations through yoyo's own backend on
-- cwdb's connection (yoyo creates its tables, logs and marks each
-- migration), so `yoyo list` / `yoyo rollback` see what cwdb applied and
-- back. yoyo's API gives the hashes of applied migrations only; these
-- queries also read their ids (to name a migration this cwdb does not ship)
-- and the pid in yoyo's lock table (to wait for yoyo's stock command line).
-- tests/test_yoyo_layout.py fails if yoyo's tables change under them.

-- name: has_migration_table$
-- 1 when yoyo's bookkeeping exists (a database migrated before), else 0.
SELECT count(*) FROM sqlite_schema
WHERE type = 'table' AND name = '_yoyo_migration';

-- name: applied
-- (hash, id) of every applied migration, in the order they were applied.
-- scan: yoyo's bookkeeping table holds one row per migration.
SELECT "migration_hash", "migration_id" FROM "_yoyo_migration"
ORDER BY "applied_at_utc", rowid;

-- name: lock_holders
-- Processes holding yoyo's migration lock (at most one row).
-- scan: yoyo's lock table holds at most one row.
SELECT "pid" FROM "yoyo_lock";
