-- Conversations: a question one agent asks another, answered at most once.
-- Every query returning conversations gives whole rows in the column order
-- of cwdb.Conversation.

-- name: create<!
-- Insert one conversation. The library supplies every column (status
-- 'pending', answer NULL) and :now for both timestamps; returns the stored
-- row. Unknown agent, initiative, phase or task ids fail the foreign keys.
INSERT INTO conversations (
    id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id,
    question, answer, status, created_at, updated_at
) VALUES (
    :id, :from_agent_id, :to_agent_id, :initiative_id, :phase_id, :task_id,
    :question, :answer, :status, :now, :now
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
WHERE id = :id;

-- name: find_pending_for_agent
-- The pending conversations addressed to one agent, oldest first (rowid
-- keeps same-millisecond rows in order).
SELECT
    id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id,
    question, answer, status, created_at, updated_at
FROM conversations
WHERE to_agent_id = :to_agent_id AND status = 'pending'
ORDER BY created_at, rowid;

-- name: answer<!
-- Answer a pending conversation: one statement, so of concurrent answers
-- exactly one matches. No row: the id is unknown or already answered (the
-- library tells which with exists, in the same transaction).
UPDATE conversations SET
    answer = :answer,
    status = 'answered',
    updated_at = max(updated_at, :now)
WHERE id = :id AND status = 'pending'
RETURNING
    id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id,
    question, answer, status, created_at, updated_at;

-- name: exists$
-- 1 when a conversation with this id exists, else 0 (id is the key).
SELECT count(*)
FROM conversations
WHERE id = :id;

-- name: count_by_from_agent_ids
-- (from_agent_id, number of conversations of any status) for the agents of
-- :agent_ids (one JSON array of ids) that started at least one; the library
-- adds 0 for the others.
SELECT from_agent_id, count(*) AS conversations
FROM conversations
WHERE from_agent_id IN (SELECT ids.value FROM json_each(:agent_ids) AS ids)
GROUP BY from_agent_id;

-- name: find_by_from_agent_id
-- The conversations one agent started, oldest first.
SELECT
    id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id,
    question, answer, status, created_at, updated_at
FROM conversations
WHERE from_agent_id = :agent_id
ORDER BY created_at, rowid;
