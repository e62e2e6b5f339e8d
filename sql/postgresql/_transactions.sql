-- The design before issue 20, kept for scripts/bench_blocks.py's comparison.
--
-- cwdb no longer runs this: transaction() blocks on PostgreSQL are
-- SERIALIZABLE (a conflicting one fails whole with SerializationError and
-- run_transaction replays it), and the library's own multi-statement calls
-- lock only what they decide on (sql/postgresql/phases.sql and tasks.sql
-- lock_graph, projects.sql initiative_exists, the unique indexes). Before,
-- every block began with this one database-wide lock, so blocks ran one at
-- a time on every machine; the bench takes it inside its blocks to measure
-- what that cost.

-- name: lock_writers!
-- The transaction-level advisory lock every transaction() block took
-- first: one database-wide key (the bytes of 'cwdb' as an integer), shared
-- by every process and machine on this database.
SELECT pg_advisory_xact_lock(1668768866);
