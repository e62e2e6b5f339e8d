-- Tasks: the pieces of work agents carry out, and the dependencies between
-- them. Queries on tasks return whole rows in the column order of cwdb.Task.
-- A dependency edge (task_id, depends_on_task_id) means "task_id cannot
-- start before depends_on_task_id"; the library keeps the graph acyclic.
-- Parameters are psycopg's %(name)s placeholders. sqlfluff's placeholder
-- templater writes each one as its bare name, and a bare `order` is a
-- reserved word it cannot parse, so the next line has it lint a 0 instead.
-- sqlfluff:templater:placeholder:order:0

-- name: create<!
-- Insert one task. The library supplies every column (defaults included)
-- and %(now)s for both timestamps; returns the stored row. An unknown phase,
-- initiative or parent task fails the foreign key.
INSERT INTO tasks (
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
) VALUES (
    %(id)s, %(phase_id)s, %(initiative_id)s, %(parent_task_id)s, %(name)s,
    %(description)s, %(type)s, %(category)s, %(priority)s, %(status)s,
    %(order)s, %(summary)s, %(retry_count)s,
    %(now)s, %(now)s
)
RETURNING
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at;

-- name: find_by_id^
-- One task by id, or no row.
SELECT
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
FROM tasks
WHERE id = %(id)s;

-- name: find_all
-- Every task, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
FROM tasks
ORDER BY created_at, rowid;

-- name: find_by_phase_id
-- The tasks of one phase by "order", then oldest first; read off
-- tasks_phase_id_idx (phase_id, "order", created_at). The index holds no
-- rowid (SQLite's does, implicitly), so rows tied on created_at are put in
-- rowid order by a sort of that one phase's tasks.
SELECT
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
FROM tasks
WHERE phase_id = %(phase_id)s
ORDER BY "order", created_at, rowid;

-- name: find_by_initiative_id
-- The tasks whose own initiative_id is %(initiative_id)s (tasks that belong
-- to the initiative only through a phase are not included), by "order",
-- then oldest first (tasks_initiative_id_idx).
SELECT
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
FROM tasks
WHERE initiative_id = %(initiative_id)s
ORDER BY "order", created_at, rowid;

-- name: find_by_parent_task_id
-- The subtasks of one task, oldest first (tasks_parent_task_id_idx).
SELECT
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
FROM tasks
WHERE parent_task_id = %(parent_task_id)s
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose set_<column> flag is true, leave the others;
-- updated_at moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE tasks SET
    phase_id = CASE WHEN %(set_phase_id)s THEN %(phase_id)s ELSE phase_id END,
    initiative_id = CASE WHEN %(set_initiative_id)s THEN %(initiative_id)s ELSE initiative_id END,
    parent_task_id = CASE
        WHEN %(set_parent_task_id)s THEN %(parent_task_id)s ELSE parent_task_id
    END,
    name = CASE WHEN %(set_name)s THEN %(name)s ELSE name END,
    description = CASE WHEN %(set_description)s THEN %(description)s ELSE description END,
    type = CASE WHEN %(set_type)s THEN %(type)s ELSE type END,
    category = CASE WHEN %(set_category)s THEN %(category)s ELSE category END,
    priority = CASE WHEN %(set_priority)s THEN %(priority)s ELSE priority END,
    status = CASE WHEN %(set_status)s THEN %(status)s ELSE status END,
    "order" = CASE WHEN %(set_order)s THEN %(order)s ELSE "order" END,
    summary = CASE WHEN %(set_summary)s THEN %(summary)s ELSE summary END,
    retry_count = CASE WHEN %(set_retry_count)s THEN %(retry_count)s ELSE retry_count END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at;

-- name: increment_retry_count<!
-- Add one to retry_count in a single statement, so that concurrent
-- increments (threads or processes) are never lost: the UPDATE takes the
-- row's lock, and under READ COMMITTED a second increment that had to wait
-- for it re-reads the row as committed and adds one to that. updated_at
-- moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE tasks SET
    retry_count = retry_count + 1,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at;

-- name: delete<!
-- Delete one task; its subtasks and every dependency edge touching it go
-- with it (ON DELETE CASCADE); agents and conversations about it keep
-- their row with task_id set to NULL. Returns the id, or no row when
-- unknown.
DELETE FROM tasks
WHERE id = %(id)s
RETURNING id;

-- name: lock_graph
-- The lock of this one dependency graph, taken first by the transaction
-- that checks and adds an edge (create_dependency): a transaction-level
-- advisory lock on the key (cwdb, 2), shared by every process and
-- machine on this database and by no other graph or table. Released at
-- COMMIT or ROLLBACK; the wait is bounded by lock_timeout (BusyError).
SELECT pg_advisory_xact_lock(1668768866, 2);

-- name: would_close_cycle$
-- true when the edge %(task_id)s -> %(depends_on_task_id)s would close a
-- cycle (or is a self edge): that is, when %(task_id)s is already reachable
-- from %(depends_on_task_id)s by following dependencies; false otherwise.
-- Run in the same transaction as create_dependency, which the library opens
-- at READ COMMITTED with lock_graph first: every such transaction on this
-- graph waits for the one before to end, and this statement's snapshot,
-- taken after the lock, sees every edge committed before; no concurrent
-- edge can slip in between the check and the insert.
-- Each step is a lookup on the primary key (task_id first);
-- UNION visits each task once.
WITH RECURSIVE reachable (id) AS (
    SELECT %(depends_on_task_id)s
    UNION
    SELECT edge.depends_on_task_id
    FROM reachable
    INNER JOIN task_dependencies AS edge ON reachable.id = edge.task_id
)

SELECT exists(SELECT 1 FROM reachable WHERE id = %(task_id)s);

-- name: create_dependency!
-- Add the edge %(task_id)s -> %(depends_on_task_id)s made at %(now)s; an
-- edge that exists already keeps its row and its created_at (idempotent). An
-- unknown task on either end fails the foreign key.
INSERT INTO task_dependencies (task_id, depends_on_task_id, created_at)
VALUES (%(task_id)s, %(depends_on_task_id)s, %(now)s)
ON CONFLICT (task_id, depends_on_task_id) DO NOTHING;

-- name: get_dependencies
-- Ids of the tasks %(task_id)s depends on, oldest edge first.
SELECT depends_on_task_id
FROM task_dependencies
WHERE task_id = %(task_id)s
ORDER BY created_at, rowid;

-- name: get_dependents
-- Ids of the tasks that depend on %(task_id)s, oldest edge first
-- (task_dependencies_depends_on_idx).
SELECT task_id
FROM task_dependencies
WHERE depends_on_task_id = %(task_id)s
ORDER BY created_at, rowid;

-- name: update__status<!
-- update for a change of status alone: sets only status and updated_at.
-- (On SQLite that spares index and foreign-key work. PostgreSQL writes a new
-- row version for any UPDATE and skips the foreign-key check of a key whose
-- value stays, so here it only evaluates fewer columns.) updated_at moves to
-- %(now)s but never backwards. No row: the id is unknown.
UPDATE tasks SET
    status = %(status)s,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at;
