-- Initiatives: the top of the plan (initiative -> phases -> tasks).
-- Every query returns whole rows in the column order of cwdb.Initiative.
-- Parameters are psycopg's %(name)s placeholders.

-- name: create<!
-- Insert one initiative. The library supplies every column (defaults
-- included) and %(now)s for both timestamps; returns the stored row.
INSERT INTO initiatives (
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at
) VALUES (
    %(id)s, %(name)s, %(status)s, %(execution_mode)s, %(quality_review)s, %(branch)s,
    %(now)s, %(now)s
)
RETURNING
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at;

-- name: find_by_id^
-- One initiative by id, or no row.
SELECT
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at
FROM initiatives
WHERE id = %(id)s;

-- name: find_all
-- Every initiative, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at
FROM initiatives
ORDER BY created_at, rowid;

-- name: find_by_status
-- Initiatives in one status, oldest first (initiatives_status_idx).
SELECT
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at
FROM initiatives
WHERE status = %(status)s
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose set_<column> flag is true, leave the others;
-- updated_at moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE initiatives SET
    name = CASE WHEN %(set_name)s THEN %(name)s ELSE name END,
    status = CASE WHEN %(set_status)s THEN %(status)s ELSE status END,
    execution_mode = CASE
        WHEN %(set_execution_mode)s THEN %(execution_mode)s ELSE execution_mode
    END,
    quality_review = CASE
        WHEN %(set_quality_review)s THEN %(quality_review)s ELSE quality_review
    END,
    branch = CASE WHEN %(set_branch)s THEN %(branch)s ELSE branch END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at;

-- name: delete<!
-- Delete one initiative; its phases, tasks, pages, proposals and chat
-- sessions go with it (ON DELETE CASCADE), its agents keep running with
-- initiative_id set to NULL. Returns the id, or no row when unknown.
DELETE FROM initiatives
WHERE id = %(id)s
RETURNING id;

-- name: update__status<!
-- update for a change of status alone: sets only status and updated_at.
-- (On SQLite that spares index and foreign-key work. PostgreSQL writes a new
-- row version for any UPDATE and skips the foreign-key check of a key whose
-- value stays, so here it only evaluates fewer columns.) updated_at moves to
-- %(now)s but never backwards. No row: the id is unknown.
UPDATE initiatives SET
    status = %(status)s,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at;
