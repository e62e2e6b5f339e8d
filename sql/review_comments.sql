-- Review comments: remarks on lines of a phase's diff.
-- Every query returns whole rows in the column order of cwdb.ReviewComment.

-- name: create<!
-- Insert one comment. The library supplies every column (defaults
-- included) and :now for both timestamps; returns the stored row.
INSERT INTO review_comments (
    id, phase_id, file_path, line_number, line_type, body, author, resolved,
    created_at, updated_at
) VALUES (
    :id, :phase_id, :file_path, :line_number, :line_type, :body, :author, :resolved,
    :now, :now
)
RETURNING
    id, phase_id, file_path, line_number, line_type, body, author, resolved,
    created_at, updated_at;

-- name: find_by_phase_id
-- The comments on one phase, oldest first (index review_comments_phase_id_idx).
SELECT
    id, phase_id, file_path, line_number, line_type, body, author, resolved,
    created_at, updated_at
FROM review_comments
WHERE phase_id = :phase_id
ORDER BY created_at, rowid;

-- name: set_resolved<!
-- Mark one comment resolved (:resolved 1) or not (0); updated_at moves to
-- :now but never backwards. No row: the id is unknown.
UPDATE review_comments SET
    resolved = :resolved,
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, phase_id, file_path, line_number, line_type, body, author, resolved,
    created_at, updated_at;

-- name: delete<!
-- Delete one comment. Returns the id, or no row when unknown.
DELETE FROM review_comments
WHERE id = :id
RETURNING id;
