-- Initiatives: the top of the plan (initiative -> phases -> tasks).
-- Every query returns whole rows in the column order of cwdb.Initiative.

-- name: create<!
-- Insert one initiative. The library supplies every column (defaults
-- included) and :now for both timestamps; returns the stored row.
INSERT INTO initiatives (
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at
) VALUES (
    :id, :name, :status, :execution_mode, :quality_review, :branch,
    :now, :now
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
WHERE id = :id;

-- name: find_all
-- Every initiative, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at
FROM initiatives
ORDER BY created_at, rowid;

-- name: find_by_status
-- Initiatives in one status, oldest first.
SELECT
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at
FROM initiatives
WHERE status = :status
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose :set_<column> flag is 1, leave the others;
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE initiatives SET
    name = iif(:set_name, :name, name),
    status = iif(:set_status, :status, status),
    execution_mode = iif(:set_execution_mode, :execution_mode, execution_mode),
    quality_review = iif(:set_quality_review, :quality_review, quality_review),
    branch = iif(:set_branch, :branch, branch),
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at;

-- name: delete<!
-- Delete one initiative; its phases, tasks, pages, proposals and chat
-- sessions go with it (ON DELETE CASCADE), its agents keep running with
-- initiative_id set to NULL. Returns the id, or no row when unknown.
DELETE FROM initiatives
WHERE id = :id
RETURNING id;

-- name: update__status<!
-- update for a change of status alone. Only these columns and updated_at are
-- written, so SQLite rewrites only initiatives_status_idx and checks no
-- foreign key (update names every column: it rewrites every index of the row
-- and checks every foreign key). updated_at moves to :now but never
-- backwards. No row: the id is unknown.
UPDATE initiatives SET
    status = :status,
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at;
