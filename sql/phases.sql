-- Phases: the stages of an initiative, and the dependencies between them.
-- Queries on phases return whole rows in the column order of cwdb.Phase.
-- A dependency edge (phase_id, depends_on_phase_id) means "phase_id cannot
-- start before depends_on_phase_id"; the library keeps the graph acyclic.

-- name: create<!
-- Insert one phase. The library supplies every column (defaults included)
-- and :now for both timestamps; returns the stored row. An unknown
-- initiative_id fails the foreign key.
INSERT INTO phases (
    id, initiative_id, name, content, status, merge_base,
    created_at, updated_at
) VALUES (
    :id, :initiative_id, :name, :content, :status, :merge_base,
    :now, :now
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
WHERE id = :id;

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
WHERE initiative_id = :initiative_id
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose :set_<column> flag is 1, leave the others;
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE phases SET
    initiative_id = iif(:set_initiative_id, :initiative_id, initiative_id),
    name = iif(:set_name, :name, name),
    content = iif(:set_content, :content, content),
    status = iif(:set_status, :status, status),
    merge_base = iif(:set_merge_base, :merge_base, merge_base),
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, initiative_id, name, content, status, merge_base,
    created_at, updated_at;

-- name: delete<!
-- Delete one phase; its tasks and every dependency edge touching it go
-- with it (ON DELETE CASCADE); conversations about it keep their row with
-- phase_id set to NULL. Returns the id, or no row when unknown.
DELETE FROM phases
WHERE id = :id
RETURNING id;

-- name: would_close_cycle$
-- 1 when the edge :phase_id -> :depends_on_phase_id would close a cycle
-- (or is a self edge): that is, when :phase_id is already reachable from
-- :depends_on_phase_id by following dependencies; 0 otherwise. Run in the
-- same BEGIN IMMEDIATE transaction as create_dependency, so no concurrent
-- edge can slip in between the check and the insert. Each step is a
-- primary-key lookup; UNION visits each phase once.
WITH RECURSIVE reachable (id) AS (
    SELECT :depends_on_phase_id
    UNION
    SELECT edge.depends_on_phase_id
    FROM reachable
    INNER JOIN phase_dependencies AS edge ON reachable.id = edge.phase_id
)

SELECT exists(SELECT 1 FROM reachable WHERE id = :phase_id);

-- name: create_dependency!
-- Add the edge :phase_id -> :depends_on_phase_id made at :now; an edge that
-- exists already keeps its row and its created_at (idempotent). An
-- unknown phase on either end fails the foreign key.
INSERT INTO phase_dependencies (phase_id, depends_on_phase_id, created_at)
VALUES (:phase_id, :depends_on_phase_id, :now)
ON CONFLICT (phase_id, depends_on_phase_id) DO NOTHING;

-- name: get_dependencies
-- Ids of the phases :phase_id depends on, oldest edge first.
SELECT depends_on_phase_id
FROM phase_dependencies
WHERE phase_id = :phase_id
ORDER BY created_at, rowid;

-- name: get_dependents
-- Ids of the phases that depend on :phase_id, oldest edge first
-- (phase_dependencies_depends_on_idx).
SELECT phase_id
FROM phase_dependencies
WHERE depends_on_phase_id = :phase_id
ORDER BY created_at, rowid;

-- name: update__status<!
-- update for a change of status alone. Only these columns and updated_at are
-- written, so SQLite rewrites no index and checks no foreign key (update
-- names every column: it rewrites every index of the row and checks every
-- foreign key). updated_at moves to :now but never backwards. No row: the id
-- is unknown.
UPDATE phases SET
    status = :status,
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, initiative_id, name, content, status, merge_base,
    created_at, updated_at;
