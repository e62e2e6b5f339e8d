-- The library's bookkeeping of applied migrations on PostgreSQL, in yoyo's
-- own tables (the same names and columns as yoyo's postgresql backend makes,
-- internal schema version 2), so `yoyo list` / `yoyo rollback --database
-- postgresql+psycopg://...` see what cwdb.ensure_schema applied, and back.
-- Parameters are psycopg's %(name)s placeholders.

-- name: take_migration_lock!
-- Serialise cwdb's migrators, on every machine: a transaction-level advisory
-- lock, released by COMMIT or ROLLBACK. The key is cwdb's own constant
-- (the ASCII of "cwdbmig" as one bigint). Waits at most lock_timeout.
SELECT pg_advisory_xact_lock(27997295726127463);

-- name: create_migration_table!
-- yoyo's record of applied migrations (hash = sha256 of the migration id).
CREATE TABLE IF NOT EXISTS _yoyo_migration (
    migration_hash varchar(64),
    migration_id varchar(255),
    applied_at_utc timestamp,
    PRIMARY KEY (migration_hash)
);

-- name: create_log_table!
-- yoyo's history of apply / rollback / mark operations.
CREATE TABLE IF NOT EXISTS _yoyo_log (
    id varchar(36),
    migration_hash varchar(64),
    migration_id varchar(255),
    operation varchar(10),
    username varchar(255),
    hostname varchar(255),
    comment varchar(255),
    created_at_utc timestamp,
    PRIMARY KEY (id)
);

-- name: create_version_table!
-- The version of yoyo's internal schema these tables follow.
CREATE TABLE IF NOT EXISTS _yoyo_version (
    version int NOT NULL PRIMARY KEY,
    installed_at_utc timestamp
);

-- name: create_lock_table!
-- yoyo's migration lock; the command line holds a row while it migrates.
CREATE TABLE IF NOT EXISTS yoyo_lock (
    locked int DEFAULT 1,
    ctime timestamp,
    pid int NOT NULL,
    PRIMARY KEY (locked)
);

-- name: mark_internal_version!
-- Record that yoyo's tables are at internal schema version 2.
INSERT INTO _yoyo_version (version, installed_at_utc)
VALUES (2, %(now)s)
ON CONFLICT (version) DO NOTHING;

-- name: has_migration_table$
-- true when yoyo's bookkeeping exists (a database migrated before).
SELECT to_regclass('_yoyo_migration') IS NOT NULL;

-- name: applied
-- (hash, id) of every applied migration, in the order they were applied.
-- scan: yoyo's bookkeeping table holds one row per migration.
SELECT migration_hash, migration_id FROM _yoyo_migration
ORDER BY applied_at_utc, migration_id;

-- name: record_applied!
-- Mark one migration applied; runs in the migration's own transaction.
INSERT INTO _yoyo_migration (migration_hash, migration_id, applied_at_utc)
VALUES (%(migration_hash)s, %(migration_id)s, %(applied_at_utc)s);

-- name: log_operation!
-- Add one line to yoyo's history, as yoyo itself does.
INSERT INTO _yoyo_log (
    id, migration_hash, migration_id, operation,
    username, hostname, comment, created_at_utc
) VALUES (
    %(id)s, %(migration_hash)s, %(migration_id)s, %(operation)s,
    %(username)s, %(hostname)s, NULL, %(created_at_utc)s
);

-- name: lock_holders
-- Processes holding yoyo's migration lock (at most one row): the `yoyo`
-- command line on some machine, which cwdb waits for.
-- scan: yoyo's lock table holds at most one row.
SELECT pid FROM yoyo_lock;
