-- Errands: small jobs outside the initiative plan, on a project's branch.
-- The caller gives the id. Every query returns whole rows in the column
-- order of cwdb.Errand.
--
-- errands.find_all(project_id=None, status=None) picks one of the four
-- find_all* statements by which filters are given, so each uses its index.

-- name: create<!
-- Insert one errand under the caller's :id (a taken id fails on the primary
-- key). The library supplies every other column (defaults included) and
-- :now for both timestamps; returns the stored row.
INSERT INTO errands (
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at
) VALUES (
    :id, :description, :branch, :base_branch, :agent_id, :project_id, :status,
    :now, :now
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
WHERE id = :id;

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
WHERE project_id = :project_id
ORDER BY created_at, rowid;

-- name: find_all_by_status
-- The errands in one status, oldest first (errands_status_idx, no sort).
SELECT
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at
FROM errands
WHERE status = :status
ORDER BY created_at, rowid;

-- name: find_all_by_project_id_and_status
-- The errands of one project in one status, oldest first
-- (errands_project_id_idx, no sort).
SELECT
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at
FROM errands
WHERE project_id = :project_id AND status = :status
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose :set_<column> flag is 1, leave the others (the
-- id never changes); updated_at moves to :now but never backwards. No row:
-- the id is unknown.
UPDATE errands SET
    description = iif(:set_description, :description, description),
    branch = iif(:set_branch, :branch, branch),
    base_branch = iif(:set_base_branch, :base_branch, base_branch),
    agent_id = iif(:set_agent_id, :agent_id, agent_id),
    project_id = iif(:set_project_id, :project_id, project_id),
    status = iif(:set_status, :status, status),
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at;

-- name: delete<!
-- Delete one errand (nothing references errands). Returns the id, or no row
-- when unknown.
DELETE FROM errands
WHERE id = :id
RETURNING id;

-- name: update__status<!
-- update for a change of status alone. Only these columns and updated_at are
-- written, so SQLite rewrites only the two indexes holding status and checks
-- no foreign key (update names every column: it rewrites every index of the
-- row and checks every foreign key). updated_at moves to :now but never
-- backwards. No row: the id is unknown.
UPDATE errands SET
    status = :status,
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, description, branch, base_branch, agent_id, project_id, status,
    created_at, updated_at;
