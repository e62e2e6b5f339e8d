-- What `python -m cwdb copy` reads and writes on PostgreSQL, one group per table.
--
-- select_<table> reads the whole table in insertion order (the rowid
-- identity column), rowid first, then the columns in the table's order;
-- copy_<table> writes such rows with their rowid given, so a copy keeps ids
-- and insertion order exactly: COPY FROM STDIN, a batch of rows per
-- statement, several times faster than one INSERT per row even pipelined
-- (scripts/bench_copy.py); reset_rowid_<table> then moves the identity on
-- past the largest rowid copied, so later inserts continue after it. The
-- same tables, columns and order as sql/_copy.sql. Parameters are psycopg's
-- %(name)s placeholders.

-- name: select_initiatives
-- Every row of initiatives in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, name, status, execution_mode, quality_review, branch, created_at, updated_at
FROM initiatives
ORDER BY rowid;

-- name: copy_initiatives!
-- Rows of initiatives, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY initiatives (
    rowid, id, name, status, execution_mode, quality_review, branch, created_at, updated_at
) FROM STDIN;

-- name: reset_rowid_initiatives$
-- Make the next row inserted into initiatives get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('initiatives', 'rowid'), %(next_rowid)s, false);

-- name: select_projects
-- Every row of projects in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, name, url, default_branch, last_fetched_at, created_at, updated_at
FROM projects
ORDER BY rowid;

-- name: copy_projects!
-- Rows of projects, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY projects (
    rowid, id, name, url, default_branch, last_fetched_at, created_at, updated_at
) FROM STDIN;

-- name: reset_rowid_projects$
-- Make the next row inserted into projects get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('projects', 'rowid'), %(next_rowid)s, false);

-- name: select_accounts
-- Every row of accounts in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, email, provider, config_json, credentials, is_exhausted, exhausted_until,
    last_used_at, sort_order, created_at, updated_at
FROM accounts
ORDER BY rowid;

-- name: copy_accounts!
-- Rows of accounts, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY accounts (
    rowid, id, email, provider, config_json, credentials, is_exhausted, exhausted_until,
    last_used_at, sort_order, created_at, updated_at
) FROM STDIN;

-- name: reset_rowid_accounts$
-- Make the next row inserted into accounts get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('accounts', 'rowid'), %(next_rowid)s, false);

-- name: select_phases
-- Every row of phases in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, initiative_id, name, content, status, merge_base, created_at, updated_at
FROM phases
ORDER BY rowid;

-- name: copy_phases!
-- Rows of phases, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY phases (
    rowid, id, initiative_id, name, content, status, merge_base, created_at, updated_at
) FROM STDIN;

-- name: reset_rowid_phases$
-- Make the next row inserted into phases get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('phases', 'rowid'), %(next_rowid)s, false);

-- name: select_phase_dependencies
-- Every row of phase_dependencies in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, phase_id, depends_on_phase_id, created_at
FROM phase_dependencies
ORDER BY rowid;

-- name: copy_phase_dependencies!
-- Rows of phase_dependencies, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY phase_dependencies (
    rowid, phase_id, depends_on_phase_id, created_at
) FROM STDIN;

-- name: reset_rowid_phase_dependencies$
-- Make the next row inserted into phase_dependencies get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('phase_dependencies', 'rowid'), %(next_rowid)s, false);

-- name: select_tasks
-- Every row of tasks in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, phase_id, initiative_id, parent_task_id, name, description, type, category,
    priority, status, "order", summary, retry_count, created_at, updated_at
FROM tasks
ORDER BY rowid;

-- name: copy_tasks!
-- Rows of tasks, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY tasks (
    rowid, id, phase_id, initiative_id, parent_task_id, name, description, type, category,
    priority, status, "order", summary, retry_count, created_at, updated_at
) FROM STDIN;

-- name: reset_rowid_tasks$
-- Make the next row inserted into tasks get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('tasks', 'rowid'), %(next_rowid)s, false);

-- name: select_task_dependencies
-- Every row of task_dependencies in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, task_id, depends_on_task_id, created_at
FROM task_dependencies
ORDER BY rowid;

-- name: copy_task_dependencies!
-- Rows of task_dependencies, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY task_dependencies (
    rowid, task_id, depends_on_task_id, created_at
) FROM STDIN;

-- name: reset_rowid_task_dependencies$
-- Make the next row inserted into task_dependencies get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('task_dependencies', 'rowid'), %(next_rowid)s, false);

-- name: select_agents
-- Every row of agents in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, name, task_id, initiative_id, session_id, worktree_id, provider, account_id,
    status, mode, pid, exit_code, prompt, output_file_path, result, pending_questions,
    user_dismissed_at, created_at, updated_at
FROM agents
ORDER BY rowid;

-- name: copy_agents!
-- Rows of agents, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY agents (
    rowid, id, name, task_id, initiative_id, session_id, worktree_id, provider, account_id,
    status, mode, pid, exit_code, prompt, output_file_path, result, pending_questions,
    user_dismissed_at, created_at, updated_at
) FROM STDIN;

-- name: reset_rowid_agents$
-- Make the next row inserted into agents get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('agents', 'rowid'), %(next_rowid)s, false);

-- name: select_proposals
-- Every row of proposals in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, agent_id, initiative_id, target_type, target_id, title, summary, content,
    metadata, status, sort_order, created_at, updated_at
FROM proposals
ORDER BY rowid;

-- name: copy_proposals!
-- Rows of proposals, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY proposals (
    rowid, id, agent_id, initiative_id, target_type, target_id, title, summary, content,
    metadata, status, sort_order, created_at, updated_at
) FROM STDIN;

-- name: reset_rowid_proposals$
-- Make the next row inserted into proposals get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('proposals', 'rowid'), %(next_rowid)s, false);

-- name: select_pages
-- Every row of pages in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, initiative_id, parent_page_id, title, content, sort_order, created_at,
    updated_at
FROM pages
ORDER BY rowid;

-- name: copy_pages!
-- Rows of pages, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY pages (
    rowid, id, initiative_id, parent_page_id, title, content, sort_order, created_at,
    updated_at
) FROM STDIN;

-- name: reset_rowid_pages$
-- Make the next row inserted into pages get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('pages', 'rowid'), %(next_rowid)s, false);

-- name: select_initiative_projects
-- Every row of initiative_projects in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, initiative_id, project_id, created_at
FROM initiative_projects
ORDER BY rowid;

-- name: copy_initiative_projects!
-- Rows of initiative_projects, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY initiative_projects (
    rowid, initiative_id, project_id, created_at
) FROM STDIN;

-- name: reset_rowid_initiative_projects$
-- Make the next row inserted into initiative_projects get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('initiative_projects', 'rowid'), %(next_rowid)s, false);

-- name: select_messages
-- Every row of messages in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
FROM messages
ORDER BY rowid;

-- name: copy_messages!
-- Rows of messages, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY messages (
    rowid, id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
) FROM STDIN;

-- name: reset_rowid_messages$
-- Make the next row inserted into messages get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('messages', 'rowid'), %(next_rowid)s, false);

-- name: select_agent_log_chunks
-- Every row of agent_log_chunks in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, agent_id, agent_name, content, session_number, created_at
FROM agent_log_chunks
ORDER BY rowid;

-- name: copy_agent_log_chunks!
-- Rows of agent_log_chunks, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY agent_log_chunks (
    rowid, id, agent_id, agent_name, content, session_number, created_at
) FROM STDIN;

-- name: reset_rowid_agent_log_chunks$
-- Make the next row inserted into agent_log_chunks get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('agent_log_chunks', 'rowid'), %(next_rowid)s, false);

-- name: select_conversations
-- Every row of conversations in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id, question,
    answer, status, created_at, updated_at
FROM conversations
ORDER BY rowid;

-- name: copy_conversations!
-- Rows of conversations, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY conversations (
    rowid, id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id, question,
    answer, status, created_at, updated_at
) FROM STDIN;

-- name: reset_rowid_conversations$
-- Make the next row inserted into conversations get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('conversations', 'rowid'), %(next_rowid)s, false);

-- name: select_change_sets
-- Every row of change_sets in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, initiative_id, agent_id, summary, status, created_at, updated_at
FROM change_sets
ORDER BY rowid;

-- name: copy_change_sets!
-- Rows of change_sets, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY change_sets (
    rowid, id, initiative_id, agent_id, summary, status, created_at, updated_at
) FROM STDIN;

-- name: reset_rowid_change_sets$
-- Make the next row inserted into change_sets get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('change_sets', 'rowid'), %(next_rowid)s, false);

-- name: select_chat_sessions
-- Every row of chat_sessions in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, target_type, target_id, initiative_id, agent_id, status, created_at,
    updated_at
FROM chat_sessions
ORDER BY rowid;

-- name: copy_chat_sessions!
-- Rows of chat_sessions, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY chat_sessions (
    rowid, id, target_type, target_id, initiative_id, agent_id, status, created_at,
    updated_at
) FROM STDIN;

-- name: reset_rowid_chat_sessions$
-- Make the next row inserted into chat_sessions get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('chat_sessions', 'rowid'), %(next_rowid)s, false);

-- name: select_chat_messages
-- Every row of chat_messages in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, chat_session_id, role, content, change_set_id, created_at
FROM chat_messages
ORDER BY rowid;

-- name: copy_chat_messages!
-- Rows of chat_messages, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY chat_messages (
    rowid, id, chat_session_id, role, content, change_set_id, created_at
) FROM STDIN;

-- name: reset_rowid_chat_messages$
-- Make the next row inserted into chat_messages get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('chat_messages', 'rowid'), %(next_rowid)s, false);

-- name: select_errands
-- Every row of errands in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, description, branch, base_branch, agent_id, project_id, status, created_at,
    updated_at
FROM errands
ORDER BY rowid;

-- name: copy_errands!
-- Rows of errands, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY errands (
    rowid, id, description, branch, base_branch, agent_id, project_id, status, created_at,
    updated_at
) FROM STDIN;

-- name: reset_rowid_errands$
-- Make the next row inserted into errands get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('errands', 'rowid'), %(next_rowid)s, false);

-- name: select_review_comments
-- Every row of review_comments in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, phase_id, file_path, line_number, line_type, body, author, resolved,
    created_at, updated_at
FROM review_comments
ORDER BY rowid;

-- name: copy_review_comments!
-- Rows of review_comments, streamed by psycopg in COPY's text format, each with the
-- rowid it had in the source (COPY writes a given identity value, as INSERT
-- does with OVERRIDING SYSTEM VALUE). Constraints and foreign keys are
-- checked as for an INSERT.
COPY review_comments (
    rowid, id, phase_id, file_path, line_number, line_type, body, author, resolved,
    created_at, updated_at
) FROM STDIN;

-- name: reset_rowid_review_comments$
-- Make the next row inserted into review_comments get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('review_comments', 'rowid'), %(next_rowid)s, false);
