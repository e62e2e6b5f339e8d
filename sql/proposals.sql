-- Proposals: changes an agent proposes to a phase, task or page.
-- Every query returns whole rows in the column order of cwdb.Proposal;
-- metadata is JSON text (NULL for None).

-- name: create<!
-- Insert one proposal. The library supplies every column (defaults
-- included) and :now for both timestamps; returns the stored row.
INSERT INTO proposals (
    id, agent_id, initiative_id, target_type, target_id, title, summary,
    content, metadata, status, sort_order, created_at, updated_at
) VALUES (
    :id, :agent_id, :initiative_id, :target_type, :target_id, :title, :summary,
    :content, :metadata, :status, :sort_order, :now, :now
)
RETURNING
    id, agent_id, initiative_id, target_type, target_id, title, summary,
    content, metadata, status, sort_order, created_at, updated_at;

-- name: find_by_id^
-- One proposal by id, or no row.
SELECT
    id, agent_id, initiative_id, target_type, target_id, title, summary,
    content, metadata, status, sort_order, created_at, updated_at
FROM proposals
WHERE id = :id;

-- name: find_all
-- Every proposal, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT
    id, agent_id, initiative_id, target_type, target_id, title, summary,
    content, metadata, status, sort_order, created_at, updated_at
FROM proposals
ORDER BY created_at, rowid;

-- name: find_by_agent_id_and_status
-- One agent's proposals in one status, by sort_order, then oldest first
-- (index proposals_agent_id_idx).
SELECT
    id, agent_id, initiative_id, target_type, target_id, title, summary,
    content, metadata, status, sort_order, created_at, updated_at
FROM proposals
WHERE agent_id = :agent_id AND status = :status
ORDER BY sort_order, created_at, rowid;

-- name: count_by_agent_id_and_status$
-- How many of one agent's proposals are in one status (0 when none).
SELECT count(*)
FROM proposals
WHERE agent_id = :agent_id AND status = :status;

-- name: count_by_agent_id$
-- How many proposals one agent has, in any status (0 when none).
SELECT count(*)
FROM proposals
WHERE agent_id = :agent_id;

-- name: update<!
-- Change the columns whose :set_<column> flag is 1, leave the others;
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE proposals SET
    agent_id = iif(:set_agent_id, :agent_id, agent_id),
    initiative_id = iif(:set_initiative_id, :initiative_id, initiative_id),
    target_type = iif(:set_target_type, :target_type, target_type),
    target_id = iif(:set_target_id, :target_id, target_id),
    title = iif(:set_title, :title, title),
    summary = iif(:set_summary, :summary, summary),
    content = iif(:set_content, :content, content),
    metadata = iif(:set_metadata, :metadata, metadata),
    status = iif(:set_status, :status, status),
    sort_order = iif(:set_sort_order, :sort_order, sort_order),
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, agent_id, initiative_id, target_type, target_id, title, summary,
    content, metadata, status, sort_order, created_at, updated_at;

-- name: update_many_by_agent_id<!
-- The same change to every proposal of the agent :where_agent_id, with the
-- :set_<column> flags of update; updated_at moves to :now on each, never
-- backwards. One id per matched row: the caller counts them.
UPDATE proposals SET
    agent_id = iif(:set_agent_id, :agent_id, agent_id),
    initiative_id = iif(:set_initiative_id, :initiative_id, initiative_id),
    target_type = iif(:set_target_type, :target_type, target_type),
    target_id = iif(:set_target_id, :target_id, target_id),
    title = iif(:set_title, :title, title),
    summary = iif(:set_summary, :summary, summary),
    content = iif(:set_content, :content, content),
    metadata = iif(:set_metadata, :metadata, metadata),
    status = iif(:set_status, :status, status),
    sort_order = iif(:set_sort_order, :sort_order, sort_order),
    updated_at = max(updated_at, :now)
WHERE agent_id = :where_agent_id
RETURNING id;

-- name: delete<!
-- Delete one proposal. Returns the id, or no row when unknown.
DELETE FROM proposals
WHERE id = :id
RETURNING id;

-- name: update__status<!
-- update for a change of status alone. Only these columns and updated_at are
-- written, so SQLite rewrites only proposals_agent_id_idx and checks no
-- foreign key (update names every column: it rewrites every index of the row
-- and checks every foreign key). updated_at moves to :now but never
-- backwards. No row: the id is unknown.
UPDATE proposals SET
    status = :status,
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, agent_id, initiative_id, target_type, target_id, title, summary,
    content, metadata, status, sort_order, created_at, updated_at;

-- name: update_many_by_agent_id__status<!
-- update_many_by_agent_id for a change of status alone. Only status and
-- updated_at are written, so SQLite rewrites only proposals_agent_id_idx and
-- checks no foreign key. updated_at moves to :now on each, never backwards.
-- One id per matched row.
UPDATE proposals SET
    status = :status,
    updated_at = max(updated_at, :now)
WHERE agent_id = :where_agent_id
RETURNING id;
