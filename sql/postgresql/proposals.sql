-- Proposals: changes an agent proposes to a phase, task or page.
-- Every query returns whole rows in the column order of cwdb.Proposal;
-- metadata is jsonb, bound as JSON text (%(metadata)s::jsonb; null for None).
-- Parameters are psycopg's %(name)s placeholders; timestamps are
-- timestamptz (aware datetimes cut to the millisecond).

-- name: create<!
-- Insert one proposal. The library supplies every column (defaults
-- included) and %(now)s for both timestamps; returns the stored row.
INSERT INTO proposals (
    id, agent_id, initiative_id, target_type, target_id, title, summary,
    content, metadata, status, sort_order, created_at, updated_at
) VALUES (
    %(id)s, %(agent_id)s, %(initiative_id)s, %(target_type)s, %(target_id)s, %(title)s,
    %(summary)s, %(content)s, %(metadata)s::jsonb, %(status)s, %(sort_order)s,
    %(now)s, %(now)s
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
WHERE id = %(id)s;

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
-- (index proposals_agent_id_idx; rowid breaks same-millisecond ties).
SELECT
    id, agent_id, initiative_id, target_type, target_id, title, summary,
    content, metadata, status, sort_order, created_at, updated_at
FROM proposals
WHERE agent_id = %(agent_id)s AND status = %(status)s
ORDER BY sort_order, created_at, rowid;

-- name: count_by_agent_id_and_status$
-- How many of one agent's proposals are in one status (0 when none).
SELECT count(*)
FROM proposals
WHERE agent_id = %(agent_id)s AND status = %(status)s;

-- name: count_by_agent_id$
-- How many proposals one agent has, in any status (0 when none).
SELECT count(*)
FROM proposals
WHERE agent_id = %(agent_id)s;

-- name: update<!
-- Change the columns whose set_<column> flag is true, leave the others;
-- updated_at moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE proposals SET
    agent_id = CASE WHEN %(set_agent_id)s THEN %(agent_id)s ELSE agent_id END,
    initiative_id = CASE
        WHEN %(set_initiative_id)s THEN %(initiative_id)s ELSE initiative_id
    END,
    target_type = CASE WHEN %(set_target_type)s THEN %(target_type)s ELSE target_type END,
    target_id = CASE WHEN %(set_target_id)s THEN %(target_id)s ELSE target_id END,
    title = CASE WHEN %(set_title)s THEN %(title)s ELSE title END,
    summary = CASE WHEN %(set_summary)s THEN %(summary)s ELSE summary END,
    content = CASE WHEN %(set_content)s THEN %(content)s ELSE content END,
    metadata = CASE WHEN %(set_metadata)s THEN %(metadata)s::jsonb ELSE metadata END,
    status = CASE WHEN %(set_status)s THEN %(status)s ELSE status END,
    sort_order = CASE WHEN %(set_sort_order)s THEN %(sort_order)s ELSE sort_order END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, agent_id, initiative_id, target_type, target_id, title, summary,
    content, metadata, status, sort_order, created_at, updated_at;

-- name: update_many_by_agent_id<!
-- The same change to every proposal of the agent %(where_agent_id)s, with the
-- set_<column> flags of update; updated_at moves to %(now)s on each, never
-- backwards. One id per matched row: the caller counts them.
UPDATE proposals SET
    agent_id = CASE WHEN %(set_agent_id)s THEN %(agent_id)s ELSE agent_id END,
    initiative_id = CASE
        WHEN %(set_initiative_id)s THEN %(initiative_id)s ELSE initiative_id
    END,
    target_type = CASE WHEN %(set_target_type)s THEN %(target_type)s ELSE target_type END,
    target_id = CASE WHEN %(set_target_id)s THEN %(target_id)s ELSE target_id END,
    title = CASE WHEN %(set_title)s THEN %(title)s ELSE title END,
    summary = CASE WHEN %(set_summary)s THEN %(summary)s ELSE summary END,
    content = CASE WHEN %(set_content)s THEN %(content)s ELSE content END,
    metadata = CASE WHEN %(set_metadata)s THEN %(metadata)s::jsonb ELSE metadata END,
    status = CASE WHEN %(set_status)s THEN %(status)s ELSE status END,
    sort_order = CASE WHEN %(set_sort_order)s THEN %(sort_order)s ELSE sort_order END,
    updated_at = greatest(updated_at, %(now)s)
WHERE agent_id = %(where_agent_id)s
RETURNING id;

-- name: delete<!
-- Delete one proposal. Returns the id, or no row when unknown.
DELETE FROM proposals
WHERE id = %(id)s
RETURNING id;

-- name: update__status<!
-- update for a change of status alone: only status and updated_at are
-- written. On PostgreSQL this writes the same row version as update would
-- (a foreign key whose value is unchanged is not checked again, and either
-- way the status change puts new entries in every index); the variant exists
-- because the library picks it by name, as on SQLite. updated_at moves to
-- %(now)s but never backwards. No row: the id is unknown.
UPDATE proposals SET
    status = %(status)s,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, agent_id, initiative_id, target_type, target_id, title, summary,
    content, metadata, status, sort_order, created_at, updated_at;

-- name: update_many_by_agent_id__status<!
-- update_many_by_agent_id for a change of status alone: only status and
-- updated_at are written (the same row versions as update_many_by_agent_id
-- writes, as for update__status). updated_at moves to %(now)s on each, never
-- backwards. One id per matched row.
UPDATE proposals SET
    status = %(status)s,
    updated_at = greatest(updated_at, %(now)s)
WHERE agent_id = %(where_agent_id)s
RETURNING id;
