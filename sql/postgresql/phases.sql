-- Phases: the stages of an initiative, and the dependencies between them.
-- Queries on phases return whole rows in the column order of cwdb.Phase.
-- A dependency edge (phase_id, depends_on_phase_id) means "phase_id cannot
-- start before depends_on_phase_id"; the library keeps the graph acyclic.
-- Parameters are psycopg's %(name)s placeholders.

-- name: create<!
-- Insert one phase. The library supplies every column (defaults included)
-- and %(now)s for both timestamps; returns the stored row. An unknown
-- initiative_id fails the foreign key.
INSERT INTO phases (
    id, initiative_id, name, content, status, merge_base,
    created_at, updated_at
) VALUES (
    %(id)s, %(initiative_id)s, %(name)s, %(content)s, %(status)s, %(merge_base)s,
    %(now)s, %(now)s
)
RETURNING
    id, initiative_id, name, content, status, merge_base,
    created_at, updated_at;

-- name: find_by_id^
-- One phase by id, or no row.
SELECT
    id, initiative_id, name, content, status, merge_base,
    created_at, updated_at
FROM phases
WHERE id = %(id)s;

-- name: find_all
-- Every phase, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT
    id, initiative_id, name, content, status, merge_base,
    created_at, updated_at
FROM phases
ORDER BY created_at, rowid;

-- name: find_by_initiative_id
-- The phases of one initiative, oldest first (phases_initiative_id_idx).
SELECT
    id, initiative_id, name, content, status, merge_base,
    created_at, updated_at
FROM phases
WHERE initiative_id = %(initiative_id)s
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose set_<column> flag is true, leave the others;
-- updated_at moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE phases SET
    initiative_id = CASE WHEN %(set_initiative_id)s THEN %(initiative_id)s ELSE initiative_id END,
    name = CASE WHEN %(set_name)s THEN %(name)s ELSE name END,
    content = CASE WHEN %(set_content)s THEN %(content)s ELSE content END,
    status = CASE WHEN %(set_status)s THEN %(status)s ELSE status END,
    merge_base = CASE WHEN %(set_merge_base)s THEN %(merge_base)s ELSE merge_base END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, initiative_id, name, content, status, merge_base,
    created_at, updated_at;

-- name: delete<!
-- Delete one phase; its tasks and every dependency edge touching it go
-- with it (ON DELETE CASCADE); conversations about it keep their row with
-- phase_id set to NULL. Returns the id, or no row when unknown.
DELETE FROM phases
WHERE id = %(id)s
RETURNING id;

-- name: lock_graph
-- The lock of this one dependency graph, taken first by the transaction
-- that checks and adds an edge (create_dependency): a transaction-level
-- advisory lock on the key (cwdb, 1), shared by every process and
-- machine on this database and by no other graph or table. Released at
-- COMMIT or ROLLBACK; the wait is bounded by lock_timeout (BusyError).
SELECT pg_advisory_xact_lock(1668768866, 1);

-- name: would_close_cycle$
-- true when the edge %(phase_id)s -> %(depends_on_phase_id)s would close a
-- cycle (or is a self edge): that is, when %(phase_id)s is already reachable
-- from %(depends_on_phase_id)s by following dependencies; false otherwise.
-- Run in the same transaction as create_dependency, which the library opens
-- at READ COMMITTED with lock_graph first: every such transaction on this
-- graph waits for the one before to end, and this statement's snapshot,
-- taken after the lock, sees every edge committed before; no concurrent
-- edge can slip in between the check and the insert.
-- Each step is a lookup on the primary key (phase_id first);
-- UNION visits each phase once.
WITH RECURSIVE reachable (id) AS (
    SELECT %(depends_on_phase_id)s
    UNION
    SELECT edge.depends_on_phase_id
    FROM reachable
    INNER JOIN phase_dependencies AS edge ON reachable.id = edge.phase_id
)

SELECT exists(SELECT 1 FROM reachable WHERE id = %(phase_id)s);

-- name: create_dependency!
-- Add the edge %(phase_id)s -> %(depends_on_phase_id)s made at %(now)s; an
-- edge that exists already keeps its row and its created_at (idempotent). An
-- unknown phase on either end fails the foreign key.
INSERT INTO phase_dependencies (phase_id, depends_on_phase_id, created_at)
VALUES (%(phase_id)s, %(depends_on_phase_id)s, %(now)s)
ON CONFLICT (phase_id, depends_on_phase_id) DO NOTHING;

-- name: get_dependencies
-- Ids of the phases %(phase_id)s depends on, oldest edge first.
SELECT depends_on_phase_id
FROM phase_dependencies
WHERE phase_id = %(phase_id)s
ORDER BY created_at, rowid;

-- name: get_dependents
-- Ids of the phases that depend on %(phase_id)s, oldest edge first
-- (phase_dependencies_depends_on_idx).
SELECT phase_id
FROM phase_dependencies
WHERE depends_on_phase_id = %(phase_id)s
ORDER BY created_at, rowid;

-- name: update__status<!
-- update for a change of status alone: sets only status and updated_at.
-- (On SQLite that spares index and foreign-key work. PostgreSQL writes a new
-- row version for any UPDATE and skips the foreign-key check of a key whose
-- value stays, so here it only evaluates fewer columns.) updated_at moves to
-- %(now)s but never backwards. No row: the id is unknown.
UPDATE phases SET
    status = %(status)s,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, initiative_id, name, content, status, merge_base,
    created_at, updated_at;
