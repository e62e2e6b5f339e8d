-- Chat sessions (the user's chats about a phase or task) and their messages.
-- Queries returning sessions give whole rows in the column order of
-- cwdb.ChatSession; queries returning messages, of cwdb.ChatMessage.
-- Parameters are psycopg's %(name)s placeholders; timestamps are
-- timestamptz (aware datetimes cut to the millisecond).

-- name: create_session<!
-- Insert one session. The library supplies every column (status 'active'
-- by default) and %(now)s for both timestamps; returns the stored row. A
-- second active session for one (target_type, target_id) fails the partial
-- unique index chat_sessions_one_active_per_target with a unique violation,
-- also when two creates race: the second waits for the first to commit,
-- then fails.
INSERT INTO chat_sessions (
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at
) VALUES (
    %(id)s, %(target_type)s, %(target_id)s, %(initiative_id)s, %(agent_id)s, %(status)s,
    %(now)s, %(now)s
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
WHERE id = %(id)s;

-- name: find_active_session^
-- The active session of one target, or no row (there is at most one;
-- index chat_sessions_one_active_per_target).
SELECT
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at
FROM chat_sessions
WHERE target_type = %(target_type)s AND target_id = %(target_id)s
    AND status = 'active';

-- name: find_active_session_by_agent_id^
-- The most recently created active session of one agent, or no row (index
-- chat_sessions_agent_id_idx; rowid breaks ties between sessions made in the
-- same millisecond).
SELECT
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at
FROM chat_sessions
WHERE agent_id = %(agent_id)s AND status = 'active'
ORDER BY created_at DESC, rowid DESC
LIMIT 1;

-- name: update_session<!
-- Change the columns whose set_<column> flag is true, leave the others;
-- updated_at moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE chat_sessions SET
    target_type = CASE WHEN %(set_target_type)s THEN %(target_type)s ELSE target_type END,
    target_id = CASE WHEN %(set_target_id)s THEN %(target_id)s ELSE target_id END,
    initiative_id = CASE
        WHEN %(set_initiative_id)s THEN %(initiative_id)s ELSE initiative_id
    END,
    agent_id = CASE WHEN %(set_agent_id)s THEN %(agent_id)s ELSE agent_id END,
    status = CASE WHEN %(set_status)s THEN %(status)s ELSE status END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at;

-- name: create_message<!
-- Insert one message of a session; %(now)s is its created_at. Returns the
-- stored row. An unknown session or change set fails the foreign keys.
INSERT INTO chat_messages (
    id, chat_session_id, role, content, change_set_id, created_at
) VALUES (
    %(id)s, %(chat_session_id)s, %(role)s, %(content)s, %(change_set_id)s, %(now)s
)
RETURNING
    id, chat_session_id, role, content, change_set_id, created_at;

-- name: find_messages_by_session_id
-- The messages of one session, oldest first (index
-- chat_messages_chat_session_id_idx; rowid keeps same-millisecond messages
-- in order).
SELECT
    id, chat_session_id, role, content, change_set_id, created_at
FROM chat_messages
WHERE chat_session_id = %(chat_session_id)s
ORDER BY created_at, rowid;

-- name: update_session__status<!
-- update_session for a change of status alone: only status and updated_at
-- are written. On PostgreSQL this writes the same row version as
-- update_session would (a foreign key whose value is unchanged is not
-- checked again); the variant exists because the library picks it by name,
-- as on SQLite. At most one active session per target still holds: the
-- partial unique index chat_sessions_one_active_per_target refuses a second
-- one with a unique violation. updated_at moves to %(now)s but never
-- backwards. No row: the id is unknown.
UPDATE chat_sessions SET
    status = %(status)s,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, target_type, target_id, initiative_id, agent_id, status,
    created_at, updated_at;
