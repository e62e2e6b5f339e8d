-- Review comments: remarks on lines of a phase's diff.
-- Every query returns whole rows in the column order of cwdb.ReviewComment.
-- Parameters are psycopg's %(name)s placeholders; timestamps are
-- timestamptz (aware datetimes cut to the millisecond).

-- name: create<!
-- Insert one comment. The library supplies every column (defaults
-- included) and %(now)s for both timestamps; returns the stored row.
INSERT INTO review_comments (
    id, phase_id, file_path, line_number, line_type, body, author, resolved,
    created_at, updated_at
) VALUES (
    %(id)s, %(phase_id)s, %(file_path)s, %(line_number)s, %(line_type)s, %(body)s,
    %(author)s, %(resolved)s, %(now)s, %(now)s
)
RETURNING
    id, phase_id, file_path, line_number, line_type, body, author, resolved,
    created_at, updated_at;

-- name: find_by_phase_id
-- The comments on one phase, oldest first (index review_comments_phase_id_idx;
-- rowid keeps same-millisecond rows in order).
SELECT
    id, phase_id, file_path, line_number, line_type, body, author, resolved,
    created_at, updated_at
FROM review_comments
WHERE phase_id = %(phase_id)s
ORDER BY created_at, rowid;

-- name: set_resolved<!
-- Mark one comment resolved (%(resolved)s true) or not (false); updated_at
-- moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE review_comments SET
    resolved = %(resolved)s,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, phase_id, file_path, line_number, line_type, body, author, resolved,
    created_at, updated_at;

-- name: delete<!
-- Delete one comment. Returns the id, or no row when unknown.
DELETE FROM review_comments
WHERE id = %(id)s
RETURNING id;
