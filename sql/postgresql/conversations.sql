-- Conversations: a question one agent asks another, answered at most once.
-- Every query returning conversations gives whole rows in the column order
-- of cwdb.Conversation.
-- Parameters are psycopg's %(name)s placeholders; timestamps are
-- timestamptz (aware datetimes cut to the millisecond).

-- name: create<!
-- Insert one conversation. The library supplies every column (status
-- 'pending', answer null) and %(now)s for both timestamps; returns the
-- stored row. Unknown agent, initiative, phase or task ids fail the foreign
-- keys.
INSERT INTO conversations (
    id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id,
    question, answer, status, created_at, updated_at
) VALUES (
    %(id)s, %(from_agent_id)s, %(to_agent_id)s, %(initiative_id)s, %(phase_id)s,
    %(task_id)s, %(question)s, %(answer)s, %(status)s, %(now)s, %(now)s
)
RETURNING
    id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id,
    question, answer, status, created_at, updated_at;

-- name: find_by_id^
-- One conversation by id, or no row.
SELECT
    id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id,
    question, answer, status, created_at, updated_at
FROM conversations
WHERE id = %(id)s;

-- name: find_pending_for_agent
-- The pending conversations addressed to one agent, oldest first (index
-- conversations_to_agent_id_idx; rowid keeps same-millisecond rows in order).
SELECT
    id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id,
    question, answer, status, created_at, updated_at
FROM conversations
WHERE to_agent_id = %(to_agent_id)s AND status = 'pending'
ORDER BY created_at, rowid;

-- name: answer<!
-- Answer a pending conversation: one statement, so of concurrent answers
-- exactly one matches. PostgreSQL's row lock does it: a second UPDATE waits
-- for the first to commit, then (READ COMMITTED) re-checks its WHERE on the
-- new row version, finds status 'answered' and changes nothing. No row: the
-- id is unknown or already answered (the library tells which with exists,
-- in the same transaction).
UPDATE conversations SET
    answer = %(answer)s,
    status = 'answered',
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s AND status = 'pending'
RETURNING
    id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id,
    question, answer, status, created_at, updated_at;

-- name: exists$
-- 1 when a conversation with this id exists, else 0 (id is the key).
SELECT count(*)
FROM conversations
WHERE id = %(id)s;

-- name: count_by_from_agent_ids
-- (from_agent_id, number of conversations of any status) for the agents of
-- %(agent_ids)s (one JSON array of ids as text) that started at least one;
-- the library adds 0 for the others. The ids become one text array
-- (= any(array(...)), not IN (subquery)), so the planner seeks each id in
-- conversations_from_agent_id_idx instead of hash-joining the whole table.
SELECT from_agent_id, count(*) AS conversations
FROM conversations
WHERE from_agent_id = any(array(
    SELECT jsonb_array_elements_text(%(agent_ids)s::jsonb)
))
GROUP BY from_agent_id;

-- name: find_by_from_agent_id
-- The conversations one agent started, oldest first (index
-- conversations_from_agent_id_idx).
SELECT
    id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id,
    question, answer, status, created_at, updated_at
FROM conversations
WHERE from_agent_id = %(agent_id)s
ORDER BY created_at, rowid;
