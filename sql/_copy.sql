-- What `python -m cwdb copy` reads and writes on SQLite, one pair per table.
--
-- select_<table> reads the whole table in insertion order (rowid), rowid
-- first, then the columns in the table's order; insert_<table> writes one
-- such row back with the same rowid, so a copy keeps ids and insertion order
-- exactly. The copy runs the selects of a source inside one read transaction
-- (one snapshot), and the inserts of a destination inside one BEGIN
-- IMMEDIATE transaction, in the order of cwdb.adapters.copy.TABLES (parents
-- before children). The same names, columns and order as
-- sql/postgresql/_copy.sql.

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
) VALUES (
    :rowid, :id, :name, :status, :execution_mode, :quality_review, :branch, :created_at,
    :updated_at
);

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
) VALUES (
    :rowid, :id, :name, :url, :default_branch, :last_fetched_at, :created_at, :updated_at
);

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
) VALUES (
    :rowid, :id, :email, :provider, :config_json, :credentials, :is_exhausted,
    :exhausted_until, :last_used_at, :sort_order, :created_at, :updated_at
);

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
) VALUES (
    :rowid, :id, :initiative_id, :name, :content, :status, :merge_base, :created_at,
    :updated_at
);

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
) VALUES (
    :rowid, :phase_id, :depends_on_phase_id, :created_at
);

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
) VALUES (
    :rowid, :id, :phase_id, :initiative_id, :parent_task_id, :name, :description, :type,
    :category, :priority, :status, :order, :summary, :retry_count, :created_at, :updated_at
);

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
) VALUES (
    :rowid, :task_id, :depends_on_task_id, :created_at
);

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
) VALUES (
    :rowid, :id, :name, :task_id, :initiative_id, :session_id, :worktree_id, :provider,
    :account_id, :status, :mode, :pid, :exit_code, :prompt, :output_file_path, :result,
    :pending_questions, :user_dismissed_at, :created_at, :updated_at
);

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
) VALUES (
    :rowid, :id, :agent_id, :initiative_id, :target_type, :target_id, :title, :summary,
    :content, :metadata, :status, :sort_order, :created_at, :updated_at
);

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
) VALUES (
    :rowid, :id, :initiative_id, :parent_page_id, :title, :content, :sort_order,
    :created_at, :updated_at
);

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
) VALUES (
    :rowid, :initiative_id, :project_id, :created_at
);

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
) VALUES (
    :rowid, :id, :sender_type, :sender_id, :recipient_type, :recipient_id, :type, :content,
    :requires_response, :status, :parent_message_id, :created_at, :updated_at
);

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
) VALUES (
    :rowid, :id, :agent_id, :agent_name, :content, :session_number, :created_at
);

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
) VALUES (
    :rowid, :id, :from_agent_id, :to_agent_id, :initiative_id, :phase_id, :task_id,
    :question, :answer, :status, :created_at, :updated_at
);

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
) VALUES (
    :rowid, :id, :initiative_id, :agent_id, :summary, :status, :created_at, :updated_at
);

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
) VALUES (
    :rowid, :id, :target_type, :target_id, :initiative_id, :agent_id, :status, :created_at,
    :updated_at
);

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
) VALUES (
    :rowid, :id, :chat_session_id, :role, :content, :change_set_id, :created_at
);

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
) VALUES (
    :rowid, :id, :description, :branch, :base_branch, :agent_id, :project_id, :status,
    :created_at, :updated_at
);

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
) VALUES (
    :rowid, :id, :phase_id, :file_path, :line_number, :line_type, :body, :author, :resolved,
    :created_at, :updated_at
);
