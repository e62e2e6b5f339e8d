-- What the PostgreSQL runner runs around the repositories' own statements.
--
-- SQLite's BEGIN IMMEDIATE takes the database's one write lock, so two
-- transaction() blocks never interleave: a block reads, decides and writes
-- as if alone. On PostgreSQL every outermost transaction() block (the
-- library's own, such as create_dependency's cycle check and insert,
-- get_or_create_root_page and set_initiative_projects, and the caller's)
-- starts with this lock instead. It is held until COMMIT or ROLLBACK; at
-- READ COMMITTED each later statement of the block sees every transaction
-- that committed before the lock was granted. Single statements outside a
-- block do not take it: they are atomic on their own. The wait is bounded by
-- lock_timeout, which the connection sets to busy_timeout_ms (BusyError).

-- name: lock_writers!
-- The transaction-level advisory lock every transaction() block takes
-- first: one database-wide key (the bytes of 'cwdb' as an integer), shared
-- by every process and machine on this database.
SELECT pg_advisory_xact_lock(1668768866);
