-- An application's own queries, loaded with db.load_queries (docs/own_queries.md).
-- PostgreSQL's text (psycopg placeholders); ../ready_tasks.sql is SQLite's.

-- name: ready_tasks
-- The tasks of the phase whose dependencies are all completed (a task
-- without dependencies is ready), by "order", then oldest first: one query
-- instead of one get_dependencies call per task.
SELECT
    t.id, t.phase_id, t.initiative_id, t.parent_task_id, t.name, t.description,
    t.type, t.category, t.priority, t.status, t."order", t.summary, t.retry_count,
    t.created_at, t.updated_at
FROM tasks AS t
WHERE t.phase_id = %(phase_id)s
  AND NOT EXISTS (
      SELECT 1
      FROM task_dependencies AS d
      JOIN tasks AS dependency ON dependency.id = d.depends_on_task_id
      WHERE d.task_id = t.id AND dependency.status <> 'completed'
  )
ORDER BY t."order", t.created_at, t.rowid;

-- name: count_ready$
-- How many tasks of the phase are ready (as ready_tasks).
SELECT count(*)
FROM tasks AS t
WHERE t.phase_id = %(phase_id)s
  AND NOT EXISTS (
      SELECT 1
      FROM task_dependencies AS d
      JOIN tasks AS dependency ON dependency.id = d.depends_on_task_id
      WHERE d.task_id = t.id AND dependency.status <> 'completed'
  );

-- name: set_summary!
-- Set a task's summary (a write of the application's own).
UPDATE tasks SET summary = %(summary)s WHERE id = %(id)s;
