-- Agents: the coding agent processes the orchestrator spawns, one per row.
-- Every query returns whole rows in the column order of cwdb.Agent.
-- result and pending_questions are jsonb columns; their values arrive as JSON
-- text (NULL when the caller gave None) and are cast with ::jsonb, which
-- refuses invalid JSON.
-- Parameters are psycopg's %(name)s placeholders.

-- name: create<!
-- Insert one agent. The library supplies every column (defaults included)
-- and %(now)s for both timestamps; returns the stored row. A name already taken
-- fails on agents_name_unique.
INSERT INTO agents (
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at
) VALUES (
    %(id)s, %(name)s, %(task_id)s, %(initiative_id)s, %(session_id)s,
    %(worktree_id)s, %(provider)s, %(account_id)s, %(status)s, %(mode)s,
    %(pid)s, %(exit_code)s, %(prompt)s, %(output_file_path)s,
    %(result)s::jsonb, %(pending_questions)s::jsonb, %(user_dismissed_at)s,
    %(now)s, %(now)s
)
RETURNING
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at;

-- name: find_by_id^
-- One agent by id, or no row.
SELECT
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at
FROM agents
WHERE id = %(id)s;

-- name: find_all
-- Every agent, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at
FROM agents
ORDER BY created_at, rowid;

-- name: find_by_name^
-- The agent with this name (names are unique), or no row.
SELECT
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at
FROM agents
WHERE name = %(name)s;

-- name: find_by_task_id^
-- The most recently created agent working on a task (a task may be retried
-- by several agents over time), or no row. Walks agents_task_id_idx
-- backwards (the index has no rowid, so a sort of that task's agents breaks
-- created_at ties).
SELECT
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at
FROM agents
WHERE task_id = %(task_id)s
ORDER BY created_at DESC, rowid DESC
LIMIT 1;

-- name: find_by_session_id^
-- The agent holding a provider session id, or no row. Should two agents
-- share one (the schema does not forbid it), the most recently created wins.
SELECT
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at
FROM agents
WHERE session_id = %(session_id)s
ORDER BY created_at DESC, rowid DESC
LIMIT 1;

-- name: find_by_status
-- Agents in one status, oldest first (agents_status_idx; a sort of those
-- agents breaks created_at ties by rowid, which the index does not hold).
SELECT
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at
FROM agents
WHERE status = %(status)s
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose set_<column> flag is true, leave the others;
-- updated_at moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE agents SET
    name = CASE WHEN %(set_name)s THEN %(name)s ELSE name END,
    task_id = CASE WHEN %(set_task_id)s THEN %(task_id)s ELSE task_id END,
    initiative_id = CASE WHEN %(set_initiative_id)s THEN %(initiative_id)s ELSE initiative_id END,
    session_id = CASE WHEN %(set_session_id)s THEN %(session_id)s ELSE session_id END,
    worktree_id = CASE WHEN %(set_worktree_id)s THEN %(worktree_id)s ELSE worktree_id END,
    provider = CASE WHEN %(set_provider)s THEN %(provider)s ELSE provider END,
    account_id = CASE WHEN %(set_account_id)s THEN %(account_id)s ELSE account_id END,
    status = CASE WHEN %(set_status)s THEN %(status)s ELSE status END,
    mode = CASE WHEN %(set_mode)s THEN %(mode)s ELSE mode END,
    pid = CASE WHEN %(set_pid)s THEN %(pid)s ELSE pid END,
    exit_code = CASE WHEN %(set_exit_code)s THEN %(exit_code)s ELSE exit_code END,
    prompt = CASE WHEN %(set_prompt)s THEN %(prompt)s ELSE prompt END,
    output_file_path = CASE
        WHEN %(set_output_file_path)s THEN %(output_file_path)s ELSE output_file_path
    END,
    result = CASE WHEN %(set_result)s THEN %(result)s::jsonb ELSE result END,
    pending_questions = CASE
        WHEN %(set_pending_questions)s THEN %(pending_questions)s::jsonb
        ELSE pending_questions
    END,
    user_dismissed_at = CASE
        WHEN %(set_user_dismissed_at)s THEN %(user_dismissed_at)s ELSE user_dismissed_at
    END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at;

-- name: delete<!
-- Delete one agent; its proposals and conversations go with it (ON DELETE
-- CASCADE); messages, errands, chat sessions and change sets that named it
-- keep their rows with the agent column set to NULL. Its log chunks stay
-- (they have no foreign key). Returns the id, or no row when unknown.
DELETE FROM agents
WHERE id = %(id)s
RETURNING id;

-- name: update__status<!
-- update for a change of status alone: sets only status and updated_at.
-- (On SQLite that spares index and foreign-key work. PostgreSQL writes a new
-- row version for any UPDATE and skips the foreign-key check of a key whose
-- value stays, so here it only evaluates fewer columns.) updated_at moves to
-- %(now)s but never backwards. No row: the id is unknown.
UPDATE agents SET
    status = %(status)s,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at;

-- name: update__status__pid__exit_code<!
-- update for a change of any of status, pid and exit_code (an agent starting
-- or exiting): sets only these columns and updated_at. (On SQLite that
-- spares index and foreign-key work. PostgreSQL writes a new row version for
-- any UPDATE and skips the foreign-key check of a key whose value stays, so
-- here it only evaluates fewer columns.) Each column changes only when its
-- set_<column> flag is true.
-- updated_at moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE agents SET
    status = CASE WHEN %(set_status)s THEN %(status)s ELSE status END,
    pid = CASE WHEN %(set_pid)s THEN %(pid)s ELSE pid END,
    exit_code = CASE WHEN %(set_exit_code)s THEN %(exit_code)s ELSE exit_code END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at;
