-- transactional: false
--
-- Undo 0003: the five tables as 0001 made them, rebuilt the same way (copied
-- aside, dropped, created again, refilled with the same rowids) with foreign
-- keys off. Rows that only the seed's rules allow are refused first, as in
-- 0003: nothing is changed then. One transaction, as in 0003.

SAVEPOINT migration_0003_rollback; -- noqa: PRS

CREATE TEMP TABLE migration_refusals (
    refused_table TEXT NOT NULL,
    rule TEXT NOT NULL,
    violating_rows INTEGER NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0
        CONSTRAINT migration_refused_rows_that_break_the_new_schema
        CHECK (reported = 0)
);

INSERT INTO migration_refusals (refused_table, rule, violating_rows)
SELECT
    'initiatives' AS refused_table,
    'status IN (''active'', ''completed'', ''archived'')' AS rule,
    count(*) AS violating_rows
FROM initiatives WHERE status = 'pending_review'
UNION ALL
SELECT
    'tasks' AS refused_table,
    'status IN (''pending'', ''in_progress'', ''completed'', ''blocked'')' AS rule,
    count(*) AS violating_rows
FROM tasks WHERE status = 'quality_review'
-- 0001's JSON checks read json_valid(x), which is 0 for NULL on SQLite 3.40
-- (NULL, so no failure, on newer ones): count what this SQLite would refuse.
UNION ALL
SELECT
    'agents' AS refused_table,
    'agents_result_check of 0001, json_valid(result), false for NULL here' AS rule,
    count(*) AS violating_rows
FROM agents WHERE json_valid(result) = 0
UNION ALL
SELECT
    'agents' AS refused_table,
    'agents_pending_questions_check of 0001, json_valid(pending_questions), '
    || 'false for NULL here' AS rule,
    count(*) AS violating_rows
FROM agents WHERE json_valid(pending_questions) = 0
UNION ALL
SELECT
    'proposals' AS refused_table,
    'proposals_metadata_check of 0001, json_valid(metadata), false for NULL here' AS rule,
    count(*) AS violating_rows
FROM proposals WHERE json_valid(metadata) = 0;

-- List them (cwdb's MigrationError and yoyo show these rows), then stop when
-- there are any: the UPDATE breaks the CHECK of every row it touches.
SELECT refused_table, rule, violating_rows FROM migration_refusals
WHERE violating_rows > 0;

UPDATE migration_refusals SET reported = 1 WHERE violating_rows > 0;

DROP TABLE migration_refusals;

CREATE TEMP TABLE migration_0003_initiatives AS
SELECT
    rowid AS old_rowid, id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at
FROM initiatives;

DROP TABLE initiatives;

CREATE TABLE initiatives (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active'
        CONSTRAINT initiatives_status_check
        CHECK (status IN ('active', 'completed', 'archived')),
    execution_mode TEXT NOT NULL DEFAULT 'review_per_phase'
        CONSTRAINT initiatives_execution_mode_check
        CHECK (execution_mode IN ('yolo', 'review_per_phase')),
    quality_review INTEGER NOT NULL DEFAULT 0
        CONSTRAINT initiatives_quality_review_check
        CHECK (quality_review IN (0, 1)),
    branch TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

INSERT INTO initiatives (
    rowid, id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at
)
SELECT
    old_rowid, id, name, status, execution_mode, quality_review, branch,
    created_at, updated_at
FROM migration_0003_initiatives ORDER BY old_rowid;

DROP TABLE migration_0003_initiatives;

CREATE INDEX initiatives_status_idx ON initiatives (status, created_at);
CREATE INDEX initiatives_created_at_idx ON initiatives (created_at);

CREATE TEMP TABLE migration_0003_tasks AS
SELECT
    rowid AS old_rowid, id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
FROM tasks;

DROP TABLE tasks;

CREATE TABLE tasks (
    id TEXT NOT NULL PRIMARY KEY,
    phase_id TEXT REFERENCES phases (id) ON DELETE CASCADE,
    initiative_id TEXT REFERENCES initiatives (id) ON DELETE CASCADE,
    parent_task_id TEXT REFERENCES tasks (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    type TEXT NOT NULL DEFAULT 'auto'
        CONSTRAINT tasks_type_check
        CHECK (type IN (
            'auto', 'checkpoint:human-verify', 'checkpoint:decision',
            'checkpoint:human-action'
        )),
    category TEXT NOT NULL DEFAULT 'execute'
        CONSTRAINT tasks_category_check
        CHECK (category IN (
            'execute', 'research', 'discuss', 'plan', 'detail', 'refine',
            'verify', 'merge', 'review'
        )),
    priority TEXT NOT NULL DEFAULT 'medium'
        CONSTRAINT tasks_priority_check
        CHECK (priority IN ('low', 'medium', 'high')),
    status TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT tasks_status_check
        CHECK (status IN ('pending', 'in_progress', 'completed', 'blocked')),
    "order" INTEGER NOT NULL DEFAULT 0,
    summary TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0
        CONSTRAINT tasks_retry_count_check CHECK (retry_count >= 0),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

INSERT INTO tasks (
    rowid, id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
)
SELECT
    old_rowid, id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at
FROM migration_0003_tasks ORDER BY old_rowid;

DROP TABLE migration_0003_tasks;

CREATE INDEX tasks_phase_id_idx ON tasks (phase_id, "order", created_at);
CREATE INDEX tasks_initiative_id_idx ON tasks (initiative_id, "order", created_at);
CREATE INDEX tasks_parent_task_id_idx ON tasks (parent_task_id, created_at);
CREATE INDEX tasks_created_at_idx ON tasks (created_at);

CREATE TEMP TABLE migration_0003_agents AS
SELECT
    rowid AS old_rowid, id, name, task_id, initiative_id, session_id, worktree_id,
    provider, account_id, status, mode, pid, exit_code, prompt,
    output_file_path, result, pending_questions, user_dismissed_at,
    created_at, updated_at
FROM agents;

DROP TABLE agents;

CREATE TABLE agents (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL CONSTRAINT agents_name_unique UNIQUE,
    task_id TEXT REFERENCES tasks (id) ON DELETE SET NULL,
    initiative_id TEXT REFERENCES initiatives (id) ON DELETE SET NULL,
    session_id TEXT,
    worktree_id TEXT NOT NULL,
    provider TEXT NOT NULL DEFAULT 'claude',
    account_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'idle'
        CONSTRAINT agents_status_check
        CHECK (status IN (
            'idle', 'running', 'waiting_for_input', 'stopped', 'crashed'
        )),
    mode TEXT NOT NULL DEFAULT 'execute'
        CONSTRAINT agents_mode_check
        CHECK (mode IN ('execute', 'discuss', 'plan', 'detail', 'refine')),
    pid INTEGER,
    exit_code INTEGER,
    prompt TEXT,
    output_file_path TEXT,
    result TEXT
        CONSTRAINT agents_result_check CHECK (json_valid(result)),
    pending_questions TEXT
        CONSTRAINT agents_pending_questions_check
        CHECK (json_valid(pending_questions)),
    user_dismissed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

INSERT INTO agents (
    rowid, id, name, task_id, initiative_id, session_id, worktree_id,
    provider, account_id, status, mode, pid, exit_code, prompt,
    output_file_path, result, pending_questions, user_dismissed_at,
    created_at, updated_at
)
SELECT
    old_rowid, id, name, task_id, initiative_id, session_id, worktree_id,
    provider, account_id, status, mode, pid, exit_code, prompt,
    output_file_path, result, pending_questions, user_dismissed_at,
    created_at, updated_at
FROM migration_0003_agents ORDER BY old_rowid;

DROP TABLE migration_0003_agents;

CREATE INDEX agents_task_id_idx ON agents (task_id, created_at);
CREATE INDEX agents_initiative_id_idx ON agents (initiative_id);
CREATE INDEX agents_account_id_idx ON agents (account_id);
CREATE INDEX agents_session_id_idx ON agents (session_id);
CREATE INDEX agents_status_idx ON agents (status, created_at);
CREATE INDEX agents_created_at_idx ON agents (created_at);

CREATE TEMP TABLE migration_0003_proposals AS
SELECT
    rowid AS old_rowid, id, agent_id, initiative_id, target_type, target_id, title,
    summary, content, metadata, status, sort_order, created_at, updated_at
FROM proposals;

DROP TABLE proposals;

CREATE TABLE proposals (
    id TEXT NOT NULL PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    initiative_id TEXT NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    target_type TEXT NOT NULL
        CONSTRAINT proposals_target_type_check
        CHECK (target_type IN ('phase', 'task', 'page')),
    target_id TEXT,
    title TEXT NOT NULL,
    summary TEXT,
    content TEXT,
    metadata TEXT
        CONSTRAINT proposals_metadata_check CHECK (json_valid(metadata)),
    status TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT proposals_status_check
        CHECK (status IN ('pending', 'accepted', 'dismissed')),
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

INSERT INTO proposals (
    rowid, id, agent_id, initiative_id, target_type, target_id, title,
    summary, content, metadata, status, sort_order, created_at, updated_at
)
SELECT
    old_rowid, id, agent_id, initiative_id, target_type, target_id, title,
    summary, content, metadata, status, sort_order, created_at, updated_at
FROM migration_0003_proposals ORDER BY old_rowid;

DROP TABLE migration_0003_proposals;

CREATE INDEX proposals_agent_id_idx
ON proposals (agent_id, status, sort_order, created_at);
CREATE INDEX proposals_initiative_id_idx ON proposals (initiative_id);
CREATE INDEX proposals_created_at_idx ON proposals (created_at);

CREATE TEMP TABLE migration_0003_errands AS
SELECT
    rowid AS old_rowid, id, description, branch, base_branch, agent_id, project_id,
    status, created_at, updated_at
FROM errands;

DROP TABLE errands;

CREATE TABLE errands (
    id TEXT NOT NULL PRIMARY KEY,
    description TEXT NOT NULL,
    branch TEXT NOT NULL,
    base_branch TEXT NOT NULL DEFAULT 'main',
    agent_id TEXT REFERENCES agents (id) ON DELETE SET NULL,
    project_id TEXT REFERENCES projects (id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'active'
        CONSTRAINT errands_status_check
        CHECK (status IN (
            'active', 'pending_review', 'conflict', 'merged', 'abandoned'
        )),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

INSERT INTO errands (
    rowid, id, description, branch, base_branch, agent_id, project_id,
    status, created_at, updated_at
)
SELECT
    old_rowid, id, description, branch, base_branch, agent_id, project_id,
    status, created_at, updated_at
FROM migration_0003_errands ORDER BY old_rowid;

DROP TABLE migration_0003_errands;

CREATE INDEX errands_agent_id_idx ON errands (agent_id);
CREATE INDEX errands_project_id_idx ON errands (project_id, status, created_at);
CREATE INDEX errands_status_idx ON errands (status, created_at);
CREATE INDEX errands_created_at_idx ON errands (created_at);

RELEASE migration_0003_rollback;
