-- Agents: the coding agent processes the orchestrator spawns, one per row.
-- Every query returns whole rows in the column order of cwdb.Agent.
-- result and pending_questions are JSON text (NULL when the caller gave None).

-- name: create<!
-- Insert one agent. The library supplies every column (defaults included)
-- and :now for both timestamps; returns the stored row. A name already taken
-- fails on agents_name_unique.
INSERT INTO agents (
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at
) VALUES (
    :id, :name, :task_id, :initiative_id, :session_id, :worktree_id, :provider,
    :account_id, :status, :mode, :pid, :exit_code, :prompt, :output_file_path,
    :result, :pending_questions, :user_dismissed_at, :now, :now
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
WHERE id = :id;

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
WHERE name = :name;

-- name: find_by_task_id^
-- The most recently created agent working on a task (a task may be retried
-- by several agents over time), or no row. Walks agents_task_id_idx
-- backwards: no sort.
SELECT
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at
FROM agents
WHERE task_id = :task_id
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
WHERE session_id = :session_id
ORDER BY created_at DESC, rowid DESC
LIMIT 1;

-- name: find_by_status
-- Agents in one status, oldest first (agents_status_idx, no sort).
SELECT
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at
FROM agents
WHERE status = :status
ORDER BY created_at, rowid;

-- name: update<!
-- Change the columns whose :set_<column> flag is 1, leave the others;
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE agents SET
    name = iif(:set_name, :name, name),
    task_id = iif(:set_task_id, :task_id, task_id),
    initiative_id = iif(:set_initiative_id, :initiative_id, initiative_id),
    session_id = iif(:set_session_id, :session_id, session_id),
    worktree_id = iif(:set_worktree_id, :worktree_id, worktree_id),
    provider = iif(:set_provider, :provider, provider),
    account_id = iif(:set_account_id, :account_id, account_id),
    status = iif(:set_status, :status, status),
    mode = iif(:set_mode, :mode, mode),
    pid = iif(:set_pid, :pid, pid),
    exit_code = iif(:set_exit_code, :exit_code, exit_code),
    prompt = iif(:set_prompt, :prompt, prompt),
    output_file_path = iif(:set_output_file_path, :output_file_path, output_file_path),
    result = iif(:set_result, :result, result),
    pending_questions = iif(:set_pending_questions, :pending_questions, pending_questions),
    user_dismissed_at = iif(:set_user_dismissed_at, :user_dismissed_at, user_dismissed_at),
    updated_at = max(updated_at, :now)
WHERE id = :id
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
WHERE id = :id
RETURNING id;

-- name: update__status<!
-- update for a change of status alone. Only these columns and updated_at are
-- written, so SQLite rewrites only agents_status_idx and checks no foreign
-- key (update names every column: it rewrites every index of the row and
-- checks every foreign key). updated_at moves to :now but never backwards.
-- No row: the id is unknown.
UPDATE agents SET
    status = :status,
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at;

-- name: update__status__pid__exit_code<!
-- update for a change of any of status, pid and exit_code (an agent starting
-- or exiting). Only these columns and updated_at are written, so SQLite
-- rewrites only agents_status_idx and checks no foreign key (update names
-- every column: it rewrites every index of the row and checks every foreign
-- key). Each column changes only when its :set_<column> flag is 1.
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE agents SET
    status = iif(:set_status, :status, status),
    pid = iif(:set_pid, :pid, pid),
    exit_code = iif(:set_exit_code, :exit_code, exit_code),
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, name, task_id, initiative_id, session_id, worktree_id, provider,
    account_id, status, mode, pid, exit_code, prompt, output_file_path,
    result, pending_questions, user_dismissed_at, created_at, updated_at;
