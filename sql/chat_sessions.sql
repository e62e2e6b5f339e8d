-- Chat sessions (the user's chats about a phase or task) and their messages.
-- Queries returning sessions give whole rows in the column order of
-- cwdb.ChatSession; queries returning messages, of cwdb.ChatMessage.

-- name: create_session<!
-- Insert one session. The library supplies every column (status 'active'
-- by default) and :now for both timestamps; returns the stored row. A second
-- active session for one (target_type, target_id) fails the unique index
-- chat_sessions_one_active_per_target.
INSERT INTO chat_sessions (
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at
) VALUES (
    :id, :target_type, :target_id, :initiative_id, :agent_id, :status,
    :now, :now
)
RETURNING
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at;

-- name: find_by_id^
-- One session by id, or no row (update_session with no changes).
SELECT
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at
FROM chat_sessions
WHERE id = :id;

-- name: find_active_session^
-- The active session of one target, or no row (there is at most one).
SELECT
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at
FROM chat_sessions
WHERE target_type = :target_type AND target_id = :target_id
    AND status = 'active';

-- name: find_active_session_by_agent_id^
-- The most recently created active session of one agent, or no row (rowid
-- breaks ties between sessions made in the same millisecond).
SELECT
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at
FROM chat_sessions
WHERE agent_id = :agent_id AND status = 'active'
ORDER BY created_at DESC, rowid DESC
LIMIT 1;

-- name: update_session<!
-- Change the columns whose :set_<column> flag is 1, leave the others;
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE chat_sessions SET
    target_type = iif(:set_target_type, :target_type, target_type),
    target_id = iif(:set_target_id, :target_id, target_id),
    initiative_id = iif(:set_initiative_id, :initiative_id, initiative_id),
    agent_id = iif(:set_agent_id, :agent_id, agent_id),
    status = iif(:set_status, :status, status),
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at;

-- name: create_message<!
-- Insert one message of a session; :now is its created_at. Returns the
-- stored row. An unknown session or change set fails the foreign keys.
INSERT INTO chat_messages (
    id, chat_session_id, role, content, change_set_id, created_at
) VALUES (
    :id, :chat_session_id, :role, :content, :change_set_id, :now
)
RETURNING
    id, chat_session_id, role, content, change_set_id, created_at;

-- name: find_messages_by_session_id
-- The messages of one session, oldest first (rowid keeps same-millisecond
-- messages in order).
SELECT
    id, chat_session_id, role, content, change_set_id, created_at
FROM chat_messages
WHERE chat_session_id = :chat_session_id
ORDER BY created_at, rowid;

-- name: update_session__status<!
-- update_session for a change of status alone. Only status and updated_at
-- are written, so SQLite rewrites only the three indexes holding status and
-- checks no foreign key (update_session names every column: it rewrites
-- every index of the row and checks every foreign key). At most one active
-- session per target still holds (chat_sessions_one_active_per_target).
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE chat_sessions SET
    status = :status,
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at;
