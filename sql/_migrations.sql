-- The library's bookkeeping of applied migrations, in yoyo's own tables.
--
-- cwdb.ensure_schema and the `yoyo` command line share these tables, so
-- either may migrate first and `yoyo list` / `yoyo rollback` see what cwdb
-- applied. The CREATE statements reproduce yoyo's internal schema, version 2
-- (yoyo-migrations 6 and later), column for column.

-- name: create_migration_table!
-- yoyo's record of applied migrations (hash = sha256 of the migration id).
CREATE TABLE IF NOT EXISTS "_yoyo_migration" (
    "migration_hash" VARCHAR(64),
    "migration_id" VARCHAR(255),
    "applied_at_utc" TIMESTAMP,
    PRIMARY KEY ("migration_hash")
);

-- name: create_log_table!
-- yoyo's history of apply / rollback / mark operations.
CREATE TABLE IF NOT EXISTS "_yoyo_log" (
    "id" VARCHAR(36),
    "migration_hash" VARCHAR(64),
    "migration_id" VARCHAR(255),
    "operation" VARCHAR(10),
    "username" VARCHAR(255),
    "hostname" VARCHAR(255),
    "comment" VARCHAR(255),
    "created_at_utc" TIMESTAMP,
    PRIMARY KEY ("id")
);

-- name: create_version_table!
-- The version of yoyo's internal schema these tables follow.
CREATE TABLE IF NOT EXISTS "_yoyo_version" (
    "version" INT NOT NULL PRIMARY KEY,
    "installed_at_utc" TIMESTAMP
);

-- name: create_lock_table!
-- yoyo's migration lock; the command line holds a row while it migrates.
CREATE TABLE IF NOT EXISTS "yoyo_lock" (
    "locked" INT DEFAULT 1,
    "ctime" TIMESTAMP,
    "pid" INT NOT NULL,
    PRIMARY KEY ("locked")
);

-- name: mark_internal_version!
-- Record that yoyo's tables are at internal schema version 2.
INSERT OR IGNORE INTO "_yoyo_version" ("version", "installed_at_utc")
VALUES (2, :now);

-- name: has_migration_table$
-- 1 when yoyo's bookkeeping exists (a database migrated before), else 0.
SELECT count(*) FROM sqlite_schema
WHERE type = 'table' AND name = '_yoyo_migration';

-- name: applied
-- (hash, id) of every applied migration, in the order they were applied.
-- scan: yoyo's bookkeeping table holds one row per migration.
SELECT "migration_hash", "migration_id" FROM "_yoyo_migration"
ORDER BY "applied_at_utc", rowid;

-- name: record_applied!
-- Mark one migration applied; runs in the migration's own transaction.
INSERT INTO "_yoyo_migration" ("migration_hash", "migration_id", "applied_at_utc")
VALUES (:migration_hash, :migration_id, :applied_at_utc);

-- name: log_operation!
-- Add one line to yoyo's history, as yoyo itself does.
INSERT INTO "_yoyo_log" (
    "id", "migration_hash", "migration_id", "operation",
    "username", "hostname", "comment", "created_at_utc"
) VALUES (
    :id, :migration_hash, :migration_id, :operation,
    :username, :hostname, NULL, :created_at_utc
);

-- name: lock_holders
-- Processes holding yoyo's migration lock (at most one row).
-- scan: yoyo's lock table holds at most one row.
SELECT "pid" FROM "yoyo_lock";

-- name: clear_lock!
-- Remove a lock row left behind by a process that no longer exists.
-- scan: yoyo's lock table holds at most one row.
DELETE FROM "yoyo_lock" WHERE "pid" = :pid;
