-- Errands: small jobs outside the initiative plan, on a project's branch.
-- The caller gives the id. Every query returns whole rows in the column
-- order of cwdb.Errand.
-- Parameters are psycopg's %(name)s placeholders; timestamps are
-- timestamptz (aware datetimes cut to the millisecond).
--
-- errands.find_all(project_id=None, status=None) picks one of the four
-- find_all* statements by which filters are given, so each uses its index.

-- name: create<!
-- Insert one errand under the caller's %(id)s (a taken id fails on the
-- primary key). The library supplies every other column (defaults included)
-- and %(now)s for both timestamps; returns the stored row.
INSERT INTO errands (
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at
) VALUES (
    %(id)s, %(description)s, %(branch)s, %(base_branch)s, %(agent_id)s, %(project_id)s,
    %(status)s, %(now)s, %(now)s
)
RETURNING
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at;

-- name: find_by_id^
-- One errand by id, or no row.
SELECT
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at
FROM errands
WHERE id = %(id)s;

-- name: find_all
-- Every errand, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at
FROM errands
ORDER BY created_at, rowid;

-- name: find_all_by_project_id
-- The errands of one project, oldest first (errands_project_id_idx).
SELECT
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at
FROM errands
WHERE project_id = %(project_id)s
ORDER BY created_at, rowid;

-- name: find_all_by_status
-- The errands in one status, oldest first (errands_status_idx, sorted by
-- created_at; rowid breaks same-millisecond ties).
SELECT
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at
FROM errands
WHERE status = %(status)s
ORDER BY created_at, rowid;

-- name: find_all_by_project_id_and_status
-- The errands of one project in one status, oldest first
-- (errands_project_id_idx, sorted by created_at; rowid breaks
-- same-millisecond ties).
SELECT
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at
FROM errands
WHERE project_id = %(project_id)s AND status = %(status)s
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose set_<column> flag is true, leave the others (the
-- id never changes); updated_at moves to %(now)s but never backwards. No
-- row: the id is unknown.
UPDATE errands SET
    description = CASE WHEN %(set_description)s THEN %(description)s ELSE description END,
    branch = CASE WHEN %(set_branch)s THEN %(branch)s ELSE branch END,
    base_branch = CASE WHEN %(set_base_branch)s THEN %(base_branch)s ELSE base_branch END,
    agent_id = CASE WHEN %(set_agent_id)s THEN %(agent_id)s ELSE agent_id END,
    project_id = CASE WHEN %(set_project_id)s THEN %(project_id)s ELSE project_id END,
    status = CASE WHEN %(set_status)s THEN %(status)s ELSE status END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at;

-- name: delete<!
-- Delete one errand (nothing references errands). Returns the id, or no row
-- when unknown.
DELETE FROM errands
WHERE id = %(id)s
RETURNING id;

-- name: update__status<!
-- update for a change of status alone: only status and updated_at are
-- written. On PostgreSQL this writes the same row version as update would
-- (a foreign key whose value is unchanged is not checked again, and either
-- way the status change puts new entries in every index); the variant exists
-- because the library picks it by name, as on SQLite. updated_at moves to
-- %(now)s but never backwards. No row: the id is unknown.
UPDATE errands SET
    status = %(status)s,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at;
