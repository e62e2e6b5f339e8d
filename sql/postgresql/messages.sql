-- Messages: notes between agents and the user; a reply points at its parent.
-- Every query returns whole rows in the column order of cwdb.Message.
-- Parameters are psycopg's %(name)s placeholders.

-- name: create<!
-- Insert one message. The library supplies every column (defaults included)
-- and %(now)s for both timestamps; returns the stored row.
INSERT INTO messages (
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
) VALUES (
    %(id)s, %(sender_type)s, %(sender_id)s, %(recipient_type)s,
    %(recipient_id)s, %(type)s, %(content)s, %(requires_response)s,
    %(status)s, %(parent_message_id)s, %(now)s, %(now)s
)
RETURNING
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at;

-- name: find_by_id^
-- One message by id, or no row.
SELECT
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
FROM messages
WHERE id = %(id)s;

-- name: find_all
-- Every message, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
FROM messages
ORDER BY created_at, rowid;

-- name: find_pending_for_user
-- Messages addressed to the user that are still pending, oldest first
-- (index messages_pending_for_user_idx).
SELECT
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
FROM messages
WHERE recipient_type = 'user' AND status = 'pending'
ORDER BY created_at, rowid;

-- name: find_requiring_response
-- Pending messages whose sender waits for an answer, oldest first
-- (index messages_requiring_response_idx; requires_response is a boolean).
SELECT
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
FROM messages
WHERE requires_response = true AND status = 'pending'
ORDER BY created_at, rowid;

-- name: find_replies
-- The direct replies to one message, oldest first; none for an unknown id
-- (index messages_parent_message_id_idx).
SELECT
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
FROM messages
WHERE parent_message_id = %(message_id)s
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose set_<column> flag is true, leave the others;
-- updated_at moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE messages SET
    sender_type = CASE WHEN %(set_sender_type)s THEN %(sender_type)s ELSE sender_type END,
    sender_id = CASE WHEN %(set_sender_id)s THEN %(sender_id)s ELSE sender_id END,
    recipient_type = CASE
        WHEN %(set_recipient_type)s THEN %(recipient_type)s ELSE recipient_type
    END,
    recipient_id = CASE WHEN %(set_recipient_id)s THEN %(recipient_id)s ELSE recipient_id END,
    type = CASE WHEN %(set_type)s THEN %(type)s ELSE type END,
    content = CASE WHEN %(set_content)s THEN %(content)s ELSE content END,
    requires_response = CASE
        WHEN %(set_requires_response)s THEN %(requires_response)s ELSE requires_response
    END,
    status = CASE WHEN %(set_status)s THEN %(status)s ELSE status END,
    parent_message_id = CASE
        WHEN %(set_parent_message_id)s THEN %(parent_message_id)s ELSE parent_message_id
    END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at;

-- name: delete<!
-- Delete one message; its replies, and theirs, go with it (ON DELETE
-- CASCADE). Returns the id, or no row when unknown.
DELETE FROM messages
WHERE id = %(id)s
RETURNING id;

-- name: update__status<!
-- update for a change of status alone: sets only status and updated_at.
-- (On SQLite that spares index and foreign-key work. PostgreSQL writes a new
-- row version for any UPDATE and skips the foreign-key check of a key whose
-- value stays, so here it only evaluates fewer columns.) updated_at moves to
-- %(now)s but never backwards. No row: the id is unknown.
UPDATE messages SET
    status = %(status)s,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at;
