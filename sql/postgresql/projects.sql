-- Projects: the git repositories initiatives work on, and the links between
-- initiatives and projects (initiative_projects).
-- Queries named create..delete and find_by_* return whole rows in the column
-- order of cwdb.Project.
-- Parameters are psycopg's %(name)s placeholders.
-- The linter's placeholder templater (sqlfluff) writes each one as its
-- bare name, so
-- `%(initiative_id)s` would lint as an unqualified column (and
-- `%(initiative_id)s AS initiative_id` as a self-alias);
-- the next line has it lint a string literal instead.
-- sqlfluff:templater:placeholder:initiative_id:'x'

-- name: create<!
-- Insert one project. The library supplies every column (defaults included)
-- and %(now)s for both timestamps; returns the stored row. A name or url
-- already taken fails on projects_name_unique / projects_url_unique.
INSERT INTO projects (
    id, name, url, default_branch, last_fetched_at, created_at, updated_at
) VALUES (
    %(id)s, %(name)s, %(url)s, %(default_branch)s, %(last_fetched_at)s, %(now)s, %(now)s
)
RETURNING
    id, name, url, default_branch, last_fetched_at, created_at, updated_at;

-- name: find_by_id^
-- One project by id, or no row.
SELECT id, name, url, default_branch, last_fetched_at, created_at, updated_at
FROM projects
WHERE id = %(id)s;

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
WHERE name = %(name)s;

-- name: find_by_url^
-- The project with this clone URL (URLs are unique), or no row.
SELECT id, name, url, default_branch, last_fetched_at, created_at, updated_at
FROM projects
WHERE url = %(url)s;

-- name: update<!
-- Change the columns whose set_<column> flag is true, leave the others;
-- updated_at moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE projects SET
    name = CASE WHEN %(set_name)s THEN %(name)s ELSE name END,
    url = CASE WHEN %(set_url)s THEN %(url)s ELSE url END,
    default_branch = CASE
        WHEN %(set_default_branch)s THEN %(default_branch)s ELSE default_branch
    END,
    last_fetched_at = CASE
        WHEN %(set_last_fetched_at)s THEN %(last_fetched_at)s ELSE last_fetched_at
    END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, name, url, default_branch, last_fetched_at, created_at, updated_at;

-- name: delete<!
-- Delete one project; its links to initiatives and its errands go with it
-- (ON DELETE CASCADE; errands.project_id is NOT NULL since migration 0003).
-- Returns the id, or no row when unknown.
DELETE FROM projects
WHERE id = %(id)s
RETURNING id;

-- name: initiative_exists$
-- true when the initiative exists, else false: set_initiative_projects
-- refuses an unknown initiative even when it has no project to link. It also
-- locks the initiative's row until the transaction ends (FOR NO KEY UPDATE:
-- concurrent inserts that reference the initiative do not wait for it), so
-- two set_initiative_projects of one initiative take turns, and each diffs
-- the links that the one before committed; other initiatives never wait.
SELECT exists(
    SELECT 1 FROM initiatives WHERE id = %(initiative_id)s FOR NO KEY UPDATE
);

-- name: missing_project_ids
-- The ids of %(project_ids)s (a JSON array of text) that name no project, in
-- the order given (WITH ORDINALITY numbers the elements), each once, so the
-- error can say which ones. Each id is a primary-key lookup.
SELECT wanted.value
FROM jsonb_array_elements_text(%(project_ids)s::jsonb)
    WITH ORDINALITY AS wanted (value, position)
WHERE NOT EXISTS (SELECT 1 FROM projects WHERE projects.id = wanted.value)
GROUP BY wanted.value
ORDER BY min(wanted.position);

-- name: unlink_projects_not_in!
-- First half of set_initiative_projects: remove the initiative's links to
-- projects not in %(project_ids)s (a JSON array of text). Runs in the
-- library's transaction (pg_advisory_xact_lock on its database-wide key), so
-- concurrent set_initiative_projects calls do not interleave.
DELETE FROM initiative_projects
WHERE initiative_id = %(initiative_id)s
    AND project_id NOT IN (
        SELECT wanted.value
        FROM jsonb_array_elements_text(%(project_ids)s::jsonb) AS wanted (value)
    );

-- name: link_missing_projects!
-- Second half of set_initiative_projects: link the projects of %(project_ids)s
-- not linked yet, in the order given (the rows are inserted in ORDER BY
-- order, so the rowid identity follows it and breaks same-millisecond ties);
-- links already there, or an id given twice, keep the first row and its
-- created_at (ON CONFLICT DO NOTHING on the primary key).
INSERT INTO initiative_projects (initiative_id, project_id, created_at)
SELECT
    %(initiative_id)s AS initiative_id,
    wanted.value AS project_id,
    %(now)s AS created_at
FROM jsonb_array_elements_text(%(project_ids)s::jsonb)
    WITH ORDINALITY AS wanted (value, position)
ORDER BY wanted.position
ON CONFLICT (initiative_id, project_id) DO NOTHING;

-- name: find_projects_by_initiative_id
-- The projects linked to an initiative, in the order they were linked
-- (oldest link first).
SELECT
    projects.id, projects.name, projects.url, projects.default_branch,
    projects.last_fetched_at, projects.created_at, projects.updated_at
FROM initiative_projects AS links
INNER JOIN projects ON links.project_id = projects.id
WHERE links.initiative_id = %(initiative_id)s
ORDER BY links.created_at, links.rowid;
