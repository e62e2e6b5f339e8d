-- Accounts: the provider accounts agents run under, picked in rotation.
-- Every query returns whole rows in the column order of cwdb.Account.
-- config_json and credentials are secrets: stored as plain text columns,
-- never logged by the library.
-- Parameters are psycopg's %(name)s placeholders; timestamps are
-- timestamptz (aware datetimes cut to the millisecond).
--
-- "Available" means: not exhausted, or exhausted with an exhausted_until
-- that has passed (<= %(now)s). An exhausted account with exhausted_until
-- NULL stays unavailable until someone updates it.

-- name: create<!
-- Insert one account. The library supplies every column (defaults included)
-- and %(now)s for both timestamps; returns the stored row.
INSERT INTO accounts (
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at
) VALUES (
    %(id)s, %(email)s, %(provider)s, %(config_json)s, %(credentials)s, %(is_exhausted)s,
    %(exhausted_until)s, %(last_used_at)s, %(sort_order)s, %(now)s, %(now)s
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
WHERE id = %(id)s;

-- name: find_all
-- Every account, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at
FROM accounts
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose set_<column> flag is true, leave the others;
-- updated_at moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE accounts SET
    email = CASE WHEN %(set_email)s THEN %(email)s ELSE email END,
    provider = CASE WHEN %(set_provider)s THEN %(provider)s ELSE provider END,
    config_json = CASE WHEN %(set_config_json)s THEN %(config_json)s ELSE config_json END,
    credentials = CASE WHEN %(set_credentials)s THEN %(credentials)s ELSE credentials END,
    is_exhausted = CASE
        WHEN %(set_is_exhausted)s THEN %(is_exhausted)s ELSE is_exhausted
    END,
    exhausted_until = CASE
        WHEN %(set_exhausted_until)s THEN %(exhausted_until)s ELSE exhausted_until
    END,
    last_used_at = CASE
        WHEN %(set_last_used_at)s THEN %(last_used_at)s ELSE last_used_at
    END,
    sort_order = CASE WHEN %(set_sort_order)s THEN %(sort_order)s ELSE sort_order END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at;

-- name: delete<!
-- Delete one account; agents that ran under it keep their rows with
-- account_id set to NULL. Returns the id, or no row when unknown.
DELETE FROM accounts
WHERE id = %(id)s
RETURNING id;

-- name: find_next_available<!
-- Pick the least recently used available account of %(provider)s and mark it
-- used, in one statement, so two callers never get the same pick:
--   * candidate locks every available account of %(provider)s, in id order
--     (SELECT ... ORDER BY id FOR UPDATE, through accounts_provider_idx).
--     Concurrent pickers of one provider take those row locks in the same
--     order, so they queue behind each other without deadlocks, and a picker
--     that waited reads (READ COMMITTED) the rows as the one before it left
--     them: it picks the NEXT account, never the same one. FOR UPDATE SKIP
--     LOCKED is not used on purpose: with fewer accounts than callers it
--     would give a caller nothing while an account is still free;
--   * order: never used (last_used_at NULL, so NULLS FIRST) first, then
--     oldest last_used_at, then lowest sort_order, then oldest account,
--     among the locked candidate rows;
--   * last_used_at becomes %(now)s, or one millisecond past the latest
--     last_used_at if that is not earlier: the latest of the locked
--     candidates (current even when this statement waited for another
--     picker) and of every account in the statement's snapshot (other
--     providers, exhausted accounts). One strictly increasing sequence for
--     the picks of a provider, so the rotation is exact even within a
--     millisecond (a burst may run ahead of the clock);
--   * an account picked because its exhausted_until has passed has
--     is_exhausted and exhausted_until cleared in the same statement
--     (the right-hand sides all read the row as it was before the update).
-- The library runs find_next_available_unexpired first, and this statement
-- only when that one returns no row.
-- No row: no account of %(provider)s is available.
-- scan: max(last_used_at) spans every provider's accounts (a handful of rows).
WITH candidate AS MATERIALIZED (
    SELECT id, last_used_at, sort_order, created_at, rowid
    FROM accounts
    WHERE provider = %(provider)s
        AND (NOT is_exhausted OR exhausted_until <= %(now)s)
    ORDER BY id
    FOR UPDATE
)

UPDATE accounts SET
    last_used_at = greatest(
        %(now)s,
        (SELECT max(locked.last_used_at) FROM candidate AS locked)
        + interval '1 millisecond',
        (SELECT max(latest.last_used_at) FROM accounts AS latest)
        + interval '1 millisecond'
    ),
    is_exhausted = CASE WHEN exhausted_until <= %(now)s THEN false ELSE is_exhausted END,
    exhausted_until = CASE
        WHEN exhausted_until <= %(now)s THEN null ELSE exhausted_until
    END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = (
    SELECT pick.id
    FROM candidate AS pick
    ORDER BY
        pick.last_used_at NULLS FIRST, pick.sort_order, pick.created_at,
        pick.rowid
    LIMIT 1
)
RETURNING
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at;

-- name: find_next_available_unexpired<!
-- The same pick as find_next_available, for the usual case: the account it
-- picks has no exhausted_until that has passed, so there is no exhaustion to
-- clear, and only last_used_at and updated_at are written. When the account
-- it would pick does have a passed exhausted_until, it changes nothing and
-- returns no row, and the library runs find_next_available, which picks it
-- and clears it. Strict rotation as in find_next_available: the same
-- candidate locks (SELECT ... ORDER BY id FOR UPDATE, all available
-- accounts of %(provider)s in id order), the same order and the same
-- strictly increasing last_used_at.
-- No row: nothing available, or the pick needs find_next_available.
-- scan: max(last_used_at) spans every provider's accounts (a handful of rows).
WITH candidate AS MATERIALIZED (
    SELECT id, last_used_at, sort_order, created_at, rowid
    FROM accounts
    WHERE provider = %(provider)s
        AND (NOT is_exhausted OR exhausted_until <= %(now)s)
    ORDER BY id
    FOR UPDATE
)

UPDATE accounts SET
    last_used_at = greatest(
        %(now)s,
        (SELECT max(locked.last_used_at) FROM candidate AS locked)
        + interval '1 millisecond',
        (SELECT max(latest.last_used_at) FROM accounts AS latest)
        + interval '1 millisecond'
    ),
    updated_at = greatest(updated_at, %(now)s)
WHERE id = (
    SELECT pick.id
    FROM candidate AS pick
    ORDER BY
        pick.last_used_at NULLS FIRST, pick.sort_order, pick.created_at,
        pick.rowid
    LIMIT 1
)
AND (exhausted_until IS null OR exhausted_until > %(now)s)
RETURNING
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at;

-- name: mark_exhausted<!
-- Mark one account exhausted until %(until)s (a timestamptz); it becomes
-- available again once %(until)s has passed. No row: the id is unknown.
UPDATE accounts SET
    is_exhausted = true,
    exhausted_until = %(until)s,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, email, provider, config_json, credentials, is_exhausted,
    exhausted_until, last_used_at, sort_order, created_at, updated_at;

-- name: clear_expired_exhaustion!
-- Make every exhausted account whose exhausted_until has passed available
-- again (is_exhausted false, exhausted_until NULL); the caller counts the
-- rows changed (the cursor's rowcount). Exhausted accounts without
-- exhausted_until are left alone. Uses the partial index
-- accounts_exhausted_until_idx (WHERE is_exhausted).
UPDATE accounts SET
    is_exhausted = false,
    exhausted_until = null,
    updated_at = greatest(updated_at, %(now)s)
WHERE is_exhausted AND exhausted_until <= %(now)s;
