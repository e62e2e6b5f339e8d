-- Messages: notes between agents and the user; a reply points at its parent.
-- Every query returns whole rows in the column order of cwdb.Message.

-- name: create<!
-- Insert one message. The library supplies every column (defaults included)
-- and :now for both timestamps; returns the stored row.
INSERT INTO messages (
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
) VALUES (
    :id, :sender_type, :sender_id, :recipient_type, :recipient_id, :type, :content,
    :requires_response, :status, :parent_message_id, :now, :now
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
WHERE id = :id;

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
-- (index messages_requiring_response_idx).
SELECT
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
FROM messages
WHERE requires_response = 1 AND status = 'pending'
ORDER BY created_at, rowid;

-- name: find_replies
-- The direct replies to one message, oldest first; none for an unknown id
-- (index messages_parent_message_id_idx).
SELECT
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
FROM messages
WHERE parent_message_id = :message_id
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose :set_<column> flag is 1, leave the others;
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE messages SET
    sender_type = iif(:set_sender_type, :sender_type, sender_type),
    sender_id = iif(:set_sender_id, :sender_id, sender_id),
    recipient_type = iif(:set_recipient_type, :recipient_type, recipient_type),
    recipient_id = iif(:set_recipient_id, :recipient_id, recipient_id),
    type = iif(:set_type, :type, type),
    content = iif(:set_content, :content, content),
    requires_response = iif(:set_requires_response, :requires_response, requires_response),
    status = iif(:set_status, :status, status),
    parent_message_id = iif(:set_parent_message_id, :parent_message_id, parent_message_id),
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at;

-- name: delete<!
-- Delete one message; its replies, and theirs, go with it (ON DELETE
-- CASCADE). Returns the id, or no row when unknown.
DELETE FROM messages
WHERE id = :id
RETURNING id;

-- name: update__status<!
-- update for a change of status alone. Only these columns and updated_at are
-- written, so SQLite rewrites only the two indexes holding status and checks
-- no foreign key (update names every column: it rewrites every index of the
-- row and checks every foreign key). updated_at moves to :now but never
-- backwards. No row: the id is unknown.
UPDATE messages SET
    status = :status,
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at;
