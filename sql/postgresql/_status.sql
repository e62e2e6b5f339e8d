-- What `python -m cwdb status --database postgresql://...` reads: the tables
-- that exist, their row counts and the database's size.
--
-- One query per table of the schema, in the schema's order, as in
-- sql/_status.sql; the command runs count_<table> only when table_names lists
-- the table, so a database whose migrations are pending still reports the
-- tables it has. Counting reads a whole table: status is an operator's
-- occasional command, not a hot path.

-- name: table_names
-- The names of every table in the connection's schema (yoyo's included).
-- scan: the catalog holds one row per relation.
SELECT tablename FROM pg_tables
WHERE schemaname = current_schema()
ORDER BY tablename;

-- name: database_size$
-- The bytes the database occupies on the server (tables, indexes, TOAST).
SELECT pg_database_size(current_database());

-- name: count_initiatives$
-- The number of rows in initiatives.
-- scan: a row count reads the whole table.
SELECT count(*) FROM initiatives;

-- name: count_phases$
-- The number of rows in phases.
-- scan: a row count reads the whole table.
SELECT count(*) FROM phases;

-- name: count_phase_dependencies$
-- The number of rows in phase_dependencies.
-- scan: a row count reads the whole table.
SELECT count(*) FROM phase_dependencies;

-- name: count_tasks$
-- The number of rows in tasks.
-- scan: a row count reads the whole table.
SELECT count(*) FROM tasks;

-- name: count_task_dependencies$
-- The number of rows in task_dependencies.
-- scan: a row count reads the whole table.
SELECT count(*) FROM task_dependencies;

-- name: count_agents$
-- The number of rows in agents.
-- scan: a row count reads the whole table.
SELECT count(*) FROM agents;

-- name: count_accounts$
-- The number of rows in accounts.
-- scan: a row count reads the whole table.
SELECT count(*) FROM accounts;

-- name: count_proposals$
-- The number of rows in proposals.
-- scan: a row count reads the whole table.
SELECT count(*) FROM proposals;

-- name: count_pages$
-- The number of rows in pages.
-- scan: a row count reads the whole table.
SELECT count(*) FROM pages;

-- name: count_projects$
-- The number of rows in projects.
-- scan: a row count reads the whole table.
SELECT count(*) FROM projects;

-- name: count_initiative_projects$
-- The number of rows in initiative_projects.
-- scan: a row count reads the whole table.
SELECT count(*) FROM initiative_projects;

-- name: count_messages$
-- The number of rows in messages.
-- scan: a row count reads the whole table.
SELECT count(*) FROM messages;

-- name: count_agent_log_chunks$
-- The number of rows in agent_log_chunks.
-- scan: a row count reads the whole table.
SELECT count(*) FROM agent_log_chunks;

-- name: count_conversations$
-- The number of rows in conversations.
-- scan: a row count reads the whole table.
SELECT count(*) FROM conversations;

-- name: count_chat_sessions$
-- The number of rows in chat_sessions.
-- scan: a row count reads the whole table.
SELECT count(*) FROM chat_sessions;

-- name: count_chat_messages$
-- The number of rows in chat_messages.
-- scan: a row count reads the whole table.
SELECT count(*) FROM chat_messages;

-- name: count_change_sets$
-- The number of rows in change_sets.
-- scan: a row count reads the whole table.
SELECT count(*) FROM change_sets;

-- name: count_errands$
-- The number of rows in errands.
-- scan: a row count reads the whole table.
SELECT count(*) FROM errands;

-- name: count_review_comments$
-- The number of rows in review_comments.
-- scan: a row count reads the whole table.
SELECT count(*) FROM review_comments;
