-- Tasks: the pieces of work agents carry out, and the dependencies between
-- them. Queries on tasks return whole rows in the column order of cwdb.Task.
-- A dependency edge (task_id, depends_on_task_id) means "task_id cannot
-- start before depends_on_task_id"; the library keeps the graph acyclic.

-- name: create<!
-- Insert one task. The library supplies every column (defaults included)
-- and :now for both timestamps; returns the stored row. An unknown phase,
-- initiative or parent task fails the foreign key.
INSERT INTO tasks (
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
) VALUES (
    :id, :phase_id, :initiative_id, :parent_task_id, :name, :description,
    :type, :category, :priority, :status, :order, :summary, :retry_count,
    :now, :now
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
WHERE id = :id;

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
-- The tasks of one phase by "order", then oldest first; read straight off
-- tasks_phase_id_idx (phase_id, "order", created_at, rowid), no sorting.
SELECT
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
FROM tasks
WHERE phase_id = :phase_id
ORDER BY "order", created_at, rowid;

-- name: find_by_initiative_id
-- The tasks whose own initiative_id is :initiative_id (tasks that belong
-- to the initiative only through a phase are not included), by "order",
-- then oldest first (tasks_initiative_id_idx).
SELECT
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
FROM tasks
WHERE initiative_id = :initiative_id
ORDER BY "order", created_at, rowid;

-- name: find_by_parent_task_id
-- The subtasks of one task, oldest first (tasks_parent_task_id_idx).
SELECT
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
FROM tasks
WHERE parent_task_id = :parent_task_id
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose :set_<column> flag is 1, leave the others;
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE tasks SET
    phase_id = iif(:set_phase_id, :phase_id, phase_id),
    initiative_id = iif(:set_initiative_id, :initiative_id, initiative_id),
    parent_task_id = iif(:set_parent_task_id, :parent_task_id, parent_task_id),
    name = iif(:set_name, :name, name),
    description = iif(:set_description, :description, description),
    type = iif(:set_type, :type, type),
    category = iif(:set_category, :category, category),
    priority = iif(:set_priority, :priority, priority),
    status = iif(:set_status, :status, status),
    "order" = iif(:set_order, :order, "order"),
    summary = iif(:set_summary, :summary, summary),
    retry_count = iif(:set_retry_count, :retry_count, retry_count),
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at;

-- name: increment_retry_count<!
-- Add one to retry_count in a single statement, so that concurrent
-- increments (threads or processes) are never lost; updated_at moves to
-- :now but never backwards. No row: the id is unknown.
UPDATE tasks SET
    retry_count = retry_count + 1,
    updated_at = max(updated_at, :now)
WHERE id = :id
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
WHERE id = :id
RETURNING id;

-- name: would_close_cycle$
-- 1 when the edge :task_id -> :depends_on_task_id would close a cycle (or
-- is a self edge): that is, when :task_id is already reachable from
-- :depends_on_task_id by following dependencies; 0 otherwise. Run in the
-- same BEGIN IMMEDIATE transaction as create_dependency, so no concurrent
-- edge can slip in between the check and the insert. Each step is a
-- primary-key lookup; UNION visits each task once.
WITH RECURSIVE reachable (id) AS (
    SELECT :depends_on_task_id
    UNION
    SELECT edge.depends_on_task_id
    FROM reachable
    INNER JOIN task_dependencies AS edge ON reachable.id = edge.task_id
)

SELECT exists(SELECT 1 FROM reachable WHERE id = :task_id);

-- name: create_dependency!
-- Add the edge :task_id -> :depends_on_task_id made at :now; an edge that
-- exists already keeps its row and its created_at (idempotent). An unknown
-- task on either end fails the foreign key.
INSERT INTO task_dependencies (task_id, depends_on_task_id, created_at)
VALUES (:task_id, :depends_on_task_id, :now)
ON CONFLICT (task_id, depends_on_task_id) DO NOTHING;

-- name: get_dependencies
-- Ids of the tasks :task_id depends on, oldest edge first.
SELECT depends_on_task_id
FROM task_dependencies
WHERE task_id = :task_id
ORDER BY created_at, rowid;

-- name: get_dependents
-- Ids of the tasks that depend on :task_id, oldest edge first
-- (task_dependencies_depends_on_idx).
SELECT task_id
FROM task_dependencies
WHERE depends_on_task_id = :task_id
ORDER BY created_at, rowid;

-- name: update__status<!
-- update for a change of status alone. Only these columns and updated_at are
-- written, so SQLite rewrites no index and checks no foreign key (update
-- names every column: it rewrites every index of the row and checks every
-- foreign key). updated_at moves to :now but never backwards. No row: the id
-- is unknown.
UPDATE tasks SET
    status = :status,
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at;
