-- What `python -m cwdb copy` reads and writes on PostgreSQL, one group per table.
--
-- select_<table> reads the whole table in insertion order (the rowid
-- identity column), rowid first, then the columns in the table's order;
-- insert_<table> writes one such row with its rowid given (OVERRIDING SYSTEM
-- VALUE), so a copy keeps ids and insertion order exactly; reset_rowid_<table>
-- then moves the identity on past the largest rowid copied, so later inserts
-- continue after it. The same names, columns and order as sql/_copy.sql.
-- Parameters are psycopg's %(name)s placeholders; a bare `order` is a
-- reserved word sqlfluff's placeholder templater cannot parse, so the next
-- line has it lint a 0 instead.
-- sqlfluff:templater:placeholder:order:0

-- name: select_initiatives
-- Every row of initiatives in insertion order, rowid first.
-- scan: the copy reads the whole table, in rowid order.
SELECT
    rowid, id, name, status, execution_mode, quality_review, branch, created_at, updated_at
FROM initiatives
ORDER BY rowid;

-- name: insert_initiatives*!
-- One row of initiatives, with the rowid it had in the source.
INSERT INTO initiatives (
    rowid, id, name, status, execution_mode, quality_review, branch, created_at, updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(name)s, %(status)s, %(execution_mode)s, %(quality_review)s,
    %(branch)s, %(created_at)s, %(updated_at)s
);

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

-- name: insert_projects*!
-- One row of projects, with the rowid it had in the source.
INSERT INTO projects (
    rowid, id, name, url, default_branch, last_fetched_at, created_at, updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(name)s, %(url)s, %(default_branch)s, %(last_fetched_at)s,
    %(created_at)s, %(updated_at)s
);

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

-- name: insert_accounts*!
-- One row of accounts, with the rowid it had in the source.
INSERT INTO accounts (
    rowid, id, email, provider, config_json, credentials, is_exhausted, exhausted_until,
    last_used_at, sort_order, created_at, updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(email)s, %(provider)s, %(config_json)s, %(credentials)s,
    %(is_exhausted)s, %(exhausted_until)s, %(last_used_at)s, %(sort_order)s, %(created_at)s,
    %(updated_at)s
);

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

-- name: insert_phases*!
-- One row of phases, with the rowid it had in the source.
INSERT INTO phases (
    rowid, id, initiative_id, name, content, status, merge_base, created_at, updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(initiative_id)s, %(name)s, %(content)s, %(status)s, %(merge_base)s,
    %(created_at)s, %(updated_at)s
);

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

-- name: insert_phase_dependencies*!
-- One row of phase_dependencies, with the rowid it had in the source.
INSERT INTO phase_dependencies (
    rowid, phase_id, depends_on_phase_id, created_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(phase_id)s, %(depends_on_phase_id)s, %(created_at)s
);

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

-- name: insert_tasks*!
-- One row of tasks, with the rowid it had in the source.
INSERT INTO tasks (
    rowid, id, phase_id, initiative_id, parent_task_id, name, description, type, category,
    priority, status, "order", summary, retry_count, created_at, updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(phase_id)s, %(initiative_id)s, %(parent_task_id)s, %(name)s,
    %(description)s, %(type)s, %(category)s, %(priority)s, %(status)s, %(order)s,
    %(summary)s, %(retry_count)s, %(created_at)s, %(updated_at)s
);

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

-- name: insert_task_dependencies*!
-- One row of task_dependencies, with the rowid it had in the source.
INSERT INTO task_dependencies (
    rowid, task_id, depends_on_task_id, created_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(task_id)s, %(depends_on_task_id)s, %(created_at)s
);

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

-- name: insert_agents*!
-- One row of agents, with the rowid it had in the source.
INSERT INTO agents (
    rowid, id, name, task_id, initiative_id, session_id, worktree_id, provider, account_id,
    status, mode, pid, exit_code, prompt, output_file_path, result, pending_questions,
    user_dismissed_at, created_at, updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(name)s, %(task_id)s, %(initiative_id)s, %(session_id)s,
    %(worktree_id)s, %(provider)s, %(account_id)s, %(status)s, %(mode)s, %(pid)s,
    %(exit_code)s, %(prompt)s, %(output_file_path)s, %(result)s::jsonb,
    %(pending_questions)s::jsonb, %(user_dismissed_at)s, %(created_at)s, %(updated_at)s
);

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

-- name: insert_proposals*!
-- One row of proposals, with the rowid it had in the source.
INSERT INTO proposals (
    rowid, id, agent_id, initiative_id, target_type, target_id, title, summary, content,
    metadata, status, sort_order, created_at, updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(agent_id)s, %(initiative_id)s, %(target_type)s, %(target_id)s,
    %(title)s, %(summary)s, %(content)s, %(metadata)s::jsonb, %(status)s, %(sort_order)s,
    %(created_at)s, %(updated_at)s
);

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

-- name: insert_pages*!
-- One row of pages, with the rowid it had in the source.
INSERT INTO pages (
    rowid, id, initiative_id, parent_page_id, title, content, sort_order, created_at,
    updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(initiative_id)s, %(parent_page_id)s, %(title)s, %(content)s,
    %(sort_order)s, %(created_at)s, %(updated_at)s
);

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

-- name: insert_initiative_projects*!
-- One row of initiative_projects, with the rowid it had in the source.
INSERT INTO initiative_projects (
    rowid, initiative_id, project_id, created_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(initiative_id)s, %(project_id)s, %(created_at)s
);

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

-- name: insert_messages*!
-- One row of messages, with the rowid it had in the source.
INSERT INTO messages (
    rowid, id, sender_type, sender_id, recipient_type, recipient_id, type, content,
    requires_response, status, parent_message_id, created_at, updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(sender_type)s, %(sender_id)s, %(recipient_type)s, %(recipient_id)s,
    %(type)s, %(content)s, %(requires_response)s, %(status)s, %(parent_message_id)s,
    %(created_at)s, %(updated_at)s
);

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

-- name: insert_agent_log_chunks*!
-- One row of agent_log_chunks, with the rowid it had in the source.
INSERT INTO agent_log_chunks (
    rowid, id, agent_id, agent_name, content, session_number, created_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(agent_id)s, %(agent_name)s, %(content)s, %(session_number)s,
    %(created_at)s
);

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

-- name: insert_conversations*!
-- One row of conversations, with the rowid it had in the source.
INSERT INTO conversations (
    rowid, id, from_agent_id, to_agent_id, initiative_id, phase_id, task_id, question,
    answer, status, created_at, updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(from_agent_id)s, %(to_agent_id)s, %(initiative_id)s, %(phase_id)s,
    %(task_id)s, %(question)s, %(answer)s, %(status)s, %(created_at)s, %(updated_at)s
);

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

-- name: insert_change_sets*!
-- One row of change_sets, with the rowid it had in the source.
INSERT INTO change_sets (
    rowid, id, initiative_id, agent_id, summary, status, created_at, updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(initiative_id)s, %(agent_id)s, %(summary)s, %(status)s,
    %(created_at)s, %(updated_at)s
);

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

-- name: insert_chat_sessions*!
-- One row of chat_sessions, with the rowid it had in the source.
INSERT INTO chat_sessions (
    rowid, id, target_type, target_id, initiative_id, agent_id, status, created_at,
    updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(target_type)s, %(target_id)s, %(initiative_id)s, %(agent_id)s,
    %(status)s, %(created_at)s, %(updated_at)s
);

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

-- name: insert_chat_messages*!
-- One row of chat_messages, with the rowid it had in the source.
INSERT INTO chat_messages (
    rowid, id, chat_session_id, role, content, change_set_id, created_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(chat_session_id)s, %(role)s, %(content)s, %(change_set_id)s,
    %(created_at)s
);

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

-- name: insert_errands*!
-- One row of errands, with the rowid it had in the source.
INSERT INTO errands (
    rowid, id, description, branch, base_branch, agent_id, project_id, status, created_at,
    updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(description)s, %(branch)s, %(base_branch)s, %(agent_id)s,
    %(project_id)s, %(status)s, %(created_at)s, %(updated_at)s
);

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

-- name: insert_review_comments*!
-- One row of review_comments, with the rowid it had in the source.
INSERT INTO review_comments (
    rowid, id, phase_id, file_path, line_number, line_type, body, author, resolved,
    created_at, updated_at
) OVERRIDING SYSTEM VALUE VALUES (
    %(rowid)s, %(id)s, %(phase_id)s, %(file_path)s, %(line_number)s, %(line_type)s,
    %(body)s, %(author)s, %(resolved)s, %(created_at)s, %(updated_at)s
);

-- name: reset_rowid_review_comments$
-- Make the next row inserted into review_comments get rowid %(next_rowid)s (one past
-- the largest copied): identity values are not moved by explicit rowids.
SELECT setval(pg_get_serial_sequence('review_comments', 'rowid'), %(next_rowid)s, false);
