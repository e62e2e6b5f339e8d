-- Projects: the git repositories initiatives work on, and the links between
-- initiatives and projects (initiative_projects).
-- Queries named create..delete and find_by_* return whole rows in the column
-- order of cwdb.Project.

-- name: create<!
-- Insert one project. The library supplies every column (defaults included)
-- and :now for both timestamps; returns the stored row. A name or url
-- already taken fails on projects_name_unique / projects_url_unique.
INSERT INTO projects (
    id, name, url, default_branch, last_fetched_at, created_at, updated_at
) VALUES (
    :id, :name, :url, :default_branch, :last_fetched_at, :now, :now
)
RETURNING
    id, name, url, default_branch, last_fetched_at, created_at, updated_at;

-- name: find_by_id^
-- One project by id, or no row.
SELECT id, name, url, default_branch, last_fetched_at, created_at, updated_at
FROM projects
WHERE id = :id;

-- name: find_all
-- Every project, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT id, name, url, default_branch, last_fetched_at, created_at, updated_at
FROM projects
ORDER BY created_at, rowid;

-- name: find_by_name^
-- The project with this name (names are unique), or no row.
SELECT id, name, url, default_branch, last_fetched_at, created_at, updated_at
FROM projects
WHERE name = :name;

-- name: find_by_url^
-- The project with this clone URL (URLs are unique), or no row.
SELECT id, name, url, default_branch, last_fetched_at, created_at, updated_at
FROM projects
WHERE url = :url;

-- name: update<!
-- Change the columns whose :set_<column> flag is 1, leave the others;
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE projects SET
    name = iif(:set_name, :name, name),
    url = iif(:set_url, :url, url),
    default_branch = iif(:set_default_branch, :default_branch, default_branch),
    last_fetched_at = iif(:set_last_fetched_at, :last_fetched_at, last_fetched_at),
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, name, url, default_branch, last_fetched_at, created_at, updated_at;

-- name: delete<!
-- Delete one project; its links to initiatives go with it (ON DELETE
-- CASCADE), its errands keep their rows with project_id set to NULL.
-- Returns the id, or no row when unknown.
DELETE FROM projects
WHERE id = :id
RETURNING id;

-- name: initiative_exists$
-- 1 when the initiative exists, else 0: set_initiative_projects refuses an
-- unknown initiative even when it has no project to link.
SELECT exists(SELECT 1 FROM initiatives WHERE id = :initiative_id);

-- name: missing_project_ids
-- The ids of :project_ids (a JSON array of text) that name no project, in
-- the order given, so the error can say which ones.
SELECT wanted.value
FROM json_each(:project_ids) AS wanted
WHERE NOT EXISTS (SELECT 1 FROM projects WHERE projects.id = wanted.value)
GROUP BY wanted.value
ORDER BY min(wanted.key);

-- name: unlink_projects_not_in!
-- First half of set_initiative_projects: remove the initiative's links to
-- projects not in :project_ids (a JSON array of text).
DELETE FROM initiative_projects
WHERE initiative_id = :initiative_id
    AND project_id NOT IN (SELECT value FROM json_each(:project_ids));

-- name: link_missing_projects!
-- Second half of set_initiative_projects: link the projects of :project_ids
-- not linked yet, in the order given (rowid breaks same-millisecond ties);
-- links already there keep their row and created_at. (The WHERE is SQLite's
-- required disambiguation of INSERT ... SELECT ... ON CONFLICT.)
INSERT INTO initiative_projects (initiative_id, project_id, created_at)
SELECT
    :initiative_id AS initiative_id, wanted.value AS project_id, :now AS created_at
FROM json_each(:project_ids) AS wanted
WHERE true
ORDER BY wanted.key
ON CONFLICT (initiative_id, project_id) DO NOTHING;

-- name: find_projects_by_initiative_id
-- The projects linked to an initiative, in the order they were linked
-- (oldest link first).
SELECT
    projects.id, projects.name, projects.url, projects.default_branch,
    projects.last_fetched_at, projects.created_at, projects.updated_at
FROM initiative_projects AS links
INNER JOIN projects ON links.project_id = projects.id
WHERE links.initiative_id = :initiative_id
ORDER BY links.created_at, links.rowid;
