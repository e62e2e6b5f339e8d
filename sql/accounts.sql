-- Accounts: the provider accounts agents run under, picked in rotation.
-- Every query returns whole rows in the column order of cwdb.Account.
-- config_json and credentials are secrets: stored as plain text (the file
-- is 0600), never logged by the library.
--
-- "Available" means: not exhausted, or exhausted with an exhausted_until
-- that has passed (<= :now). An exhausted account with exhausted_until NULL
-- stays unavailable until someone updates it.

-- name: create<!
-- Insert one account. The library supplies every column (defaults included)
-- and :now for both timestamps; returns the stored row.
INSERT INTO accounts (
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at
) VALUES (
    :id, :email, :provider, :config_json, :credentials, :is_exhausted,
    :exhausted_until, :last_used_at, :sort_order, :now, :now
)
RETURNING
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at;

-- name: find_by_id^
-- One account by id, or no row.
SELECT
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at
FROM accounts
WHERE id = :id;

-- name: find_all
-- Every account, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at
FROM accounts
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose :set_<column> flag is 1, leave the others;
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE accounts SET
    email = iif(:set_email, :email, email),
    provider = iif(:set_provider, :provider, provider),
    config_json = iif(:set_config_json, :config_json, config_json),
    credentials = iif(:set_credentials, :credentials, credentials),
    is_exhausted = iif(:set_is_exhausted, :is_exhausted, is_exhausted),
    exhausted_until = iif(:set_exhausted_until, :exhausted_until, exhausted_until),
    last_used_at = iif(:set_last_used_at, :last_used_at, last_used_at),
    sort_order = iif(:set_sort_order, :sort_order, sort_order),
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at;

-- name: delete<!
-- Delete one account; agents that ran under it keep their rows with
-- account_id set to NULL. Returns the id, or no row when unknown.
DELETE FROM accounts
WHERE id = :id
RETURNING id;

-- name: find_next_available<!
-- Pick the least recently used available account of :provider and mark it
-- used, in one statement (so two callers never get the same pick):
--   * order: never used (last_used_at NULL) first, then oldest last_used_at,
--     then lowest sort_order, then oldest account (accounts_provider_idx
--     walked in order, stopping at the first available row; the pick is then
--     updated by its rowid, with no second lookup through the id index);
--   * last_used_at becomes :now, or one millisecond past the latest
--     last_used_at of ANY account if that is not earlier: one strictly
--     increasing sequence for all picks, so the rotation is exact even within
--     a millisecond (a burst may run ahead of the clock);
--   * an account picked because its exhausted_until has passed has
--     is_exhausted and exhausted_until cleared in the same statement
--     (the right-hand sides all read the row as it was before the update).
-- The library runs find_next_available_unexpired first, and this statement
-- only when that one returns no row.
-- No row: no account of :provider is available.
-- scan: max(last_used_at) spans every provider's accounts (a handful of rows).
UPDATE accounts SET
    last_used_at = max(
        :now,
        coalesce((SELECT max(latest.last_used_at) FROM accounts AS latest) + 1, :now)
    ),
    is_exhausted = iif(exhausted_until <= :now, 0, is_exhausted),
    exhausted_until = iif(exhausted_until <= :now, NULL, exhausted_until),
    updated_at = max(updated_at, :now)
WHERE rowid = (
    SELECT candidate.rowid
    FROM accounts AS candidate
    WHERE candidate.provider = :provider
        AND (candidate.is_exhausted = 0 OR candidate.exhausted_until <= :now)
    ORDER BY
        candidate.last_used_at, candidate.sort_order, candidate.created_at,
        candidate.rowid
    LIMIT 1
)
RETURNING
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at;

-- name: find_next_available_unexpired<!
-- The same pick as find_next_available, for the usual case: the account it
-- picks has no exhausted_until that has passed, so there is no exhaustion to
-- clear, and only last_used_at and updated_at are written (is_exhausted
-- and exhausted_until are not in the SET list, so SQLite neither checks
-- their CHECK nor maintains accounts_exhausted_until_idx: ~15% of the
-- statement). When the account it would pick does have a passed
-- exhausted_until, it changes nothing and returns no row, and the library
-- runs find_next_available, which picks it and clears it. Strict rotation
-- as in find_next_available.
-- No row: nothing available, or the pick needs find_next_available.
-- scan: max(last_used_at) spans every provider's accounts (a handful of rows).
UPDATE accounts SET
    last_used_at = max(
        :now,
        coalesce((SELECT max(latest.last_used_at) FROM accounts AS latest) + 1, :now)
    ),
    updated_at = max(updated_at, :now)
WHERE rowid = (
    SELECT candidate.rowid
    FROM accounts AS candidate
    WHERE candidate.provider = :provider
        AND (candidate.is_exhausted = 0 OR candidate.exhausted_until <= :now)
    ORDER BY
        candidate.last_used_at, candidate.sort_order, candidate.created_at,
        candidate.rowid
    LIMIT 1
)
AND (exhausted_until IS NULL OR exhausted_until > :now)
RETURNING
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at;

-- name: mark_exhausted<!
-- Mark one account exhausted until :until (unix ms); it becomes available
-- again once :until has passed. No row: the id is unknown.
UPDATE accounts SET
    is_exhausted = 1,
    exhausted_until = :until,
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at;

-- name: clear_expired_exhaustion!
-- Make every exhausted account whose exhausted_until has passed available
-- again (is_exhausted 0, exhausted_until NULL); the caller counts the rows
-- changed. Exhausted accounts without exhausted_until are left alone.
-- Uses the partial index accounts_exhausted_until_idx.
UPDATE accounts SET
    is_exhausted = 0,
    exhausted_until = NULL,
    updated_at = max(updated_at, :now)
WHERE is_exhausted = 1 AND exhausted_until <= :now;
