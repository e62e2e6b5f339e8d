-- cwdb's schema as the migrations build it. Generated: do not edit.
-- Regenerate with `python scripts/update_schema.py` after adding a migration;
-- tests/test_schema_snapshot.py fails while this file is stale.
-- Migrations: 0001_initial_schema, 0002_log_chunks_agent_order, 0003_seed_schema

-- accounts
CREATE TABLE accounts (
    id TEXT NOT NULL PRIMARY KEY,
    email TEXT NOT NULL,
    provider TEXT NOT NULL DEFAULT 'claude',
    config_json TEXT,
    credentials TEXT,
    is_exhausted INTEGER NOT NULL DEFAULT 0
        CONSTRAINT accounts_is_exhausted_check CHECK (is_exhausted IN (0, 1)),
    exhausted_until INTEGER,
    last_used_at INTEGER,
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX accounts_created_at_idx ON accounts (created_at);
CREATE INDEX accounts_exhausted_until_idx
ON accounts (exhausted_until) WHERE is_exhausted = 1;
CREATE INDEX accounts_provider_idx
ON accounts (provider, last_used_at, sort_order, created_at);

-- agent_log_chunks
CREATE TABLE agent_log_chunks (
    id TEXT NOT NULL PRIMARY KEY,
    agent_id TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    content TEXT NOT NULL,
    session_number INTEGER NOT NULL DEFAULT 1
        CONSTRAINT agent_log_chunks_session_number_check
        CHECK (session_number >= 0),
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX agent_log_chunks_agent_id_idx
ON agent_log_chunks (agent_id, session_number);
CREATE INDEX agent_log_chunks_agent_order_idx ON agent_log_chunks (agent_id);
CREATE INDEX agent_log_chunks_created_at_idx ON agent_log_chunks (created_at);

-- agents
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
        CONSTRAINT agents_result_check
        CHECK (result IS NULL OR json_valid(result)),
    pending_questions TEXT
        CONSTRAINT agents_pending_questions_check
        CHECK (pending_questions IS NULL OR json_valid(pending_questions)),
    user_dismissed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX agents_account_id_idx ON agents (account_id);
CREATE INDEX agents_created_at_idx ON agents (created_at);
CREATE INDEX agents_initiative_id_idx ON agents (initiative_id);
CREATE INDEX agents_session_id_idx ON agents (session_id);
CREATE INDEX agents_status_idx ON agents (status, created_at);
CREATE INDEX agents_task_id_idx ON agents (task_id, created_at);

-- change_sets
CREATE TABLE change_sets (
    id TEXT NOT NULL PRIMARY KEY,
    initiative_id TEXT NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    agent_id TEXT REFERENCES agents (id) ON DELETE SET NULL,
    summary TEXT,
    status TEXT NOT NULL DEFAULT 'applied'
        CONSTRAINT change_sets_status_check
        CHECK (status IN ('applied', 'reverted')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX change_sets_agent_id_idx ON change_sets (agent_id);
CREATE INDEX change_sets_initiative_id_idx ON change_sets (initiative_id);

-- chat_messages
CREATE TABLE chat_messages (
    id TEXT NOT NULL PRIMARY KEY,
    chat_session_id TEXT NOT NULL
        REFERENCES chat_sessions (id) ON DELETE CASCADE,
    role TEXT NOT NULL
        CONSTRAINT chat_messages_role_check
        CHECK (role IN ('user', 'assistant', 'system')),
    content TEXT NOT NULL,
    change_set_id TEXT REFERENCES change_sets (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX chat_messages_change_set_id_idx ON chat_messages (change_set_id);
CREATE INDEX chat_messages_chat_session_id_idx
ON chat_messages (chat_session_id, created_at);

-- chat_sessions
CREATE TABLE chat_sessions (
    id TEXT NOT NULL PRIMARY KEY,
    target_type TEXT NOT NULL
        CONSTRAINT chat_sessions_target_type_check
        CHECK (target_type IN ('phase', 'task')),
    target_id TEXT NOT NULL,
    initiative_id TEXT NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    agent_id TEXT REFERENCES agents (id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'active'
        CONSTRAINT chat_sessions_status_check
        CHECK (status IN ('active', 'closed')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX chat_sessions_agent_id_idx
ON chat_sessions (agent_id, status, created_at);
CREATE INDEX chat_sessions_initiative_id_idx ON chat_sessions (initiative_id);
CREATE UNIQUE INDEX chat_sessions_one_active_per_target
ON chat_sessions (target_type, target_id) WHERE status = 'active';
CREATE INDEX chat_sessions_target_idx
ON chat_sessions (target_type, target_id, status);

-- conversations
CREATE TABLE conversations (
    id TEXT NOT NULL PRIMARY KEY,
    from_agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    to_agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    initiative_id TEXT REFERENCES initiatives (id) ON DELETE SET NULL,
    phase_id TEXT REFERENCES phases (id) ON DELETE SET NULL,
    task_id TEXT REFERENCES tasks (id) ON DELETE SET NULL,
    question TEXT NOT NULL,
    answer TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT conversations_status_check
        CHECK (status IN ('pending', 'answered')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX conversations_from_agent_id_idx
ON conversations (from_agent_id, created_at);
CREATE INDEX conversations_initiative_id_idx ON conversations (initiative_id);
CREATE INDEX conversations_phase_id_idx ON conversations (phase_id);
CREATE INDEX conversations_task_id_idx ON conversations (task_id);
CREATE INDEX conversations_to_agent_id_idx
ON conversations (to_agent_id, status, created_at);

-- errands
CREATE TABLE errands (
    id TEXT NOT NULL PRIMARY KEY,
    description TEXT NOT NULL,
    branch TEXT NOT NULL,
    base_branch TEXT NOT NULL DEFAULT 'main',
    agent_id TEXT REFERENCES agents (id) ON DELETE SET NULL,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'active'
        CONSTRAINT errands_status_check
        CHECK (status IN (
            'active', 'pending_review', 'conflict', 'merged', 'abandoned'
        )),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX errands_agent_id_idx ON errands (agent_id);
CREATE INDEX errands_created_at_idx ON errands (created_at);
CREATE INDEX errands_project_id_idx ON errands (project_id, status, created_at);
CREATE INDEX errands_status_idx ON errands (status, created_at);

-- initiative_projects
CREATE TABLE initiative_projects (
    initiative_id TEXT NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (initiative_id, project_id)
) STRICT;
CREATE INDEX initiative_projects_project_id_idx
ON initiative_projects (project_id);

-- initiatives
CREATE TABLE initiatives (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active'
        CONSTRAINT initiatives_status_check
        CHECK (status IN ('active', 'pending_review', 'completed', 'archived')),
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
CREATE INDEX initiatives_created_at_idx ON initiatives (created_at);
CREATE INDEX initiatives_status_idx ON initiatives (status, created_at);

-- messages
CREATE TABLE messages (
    id TEXT NOT NULL PRIMARY KEY,
    sender_type TEXT NOT NULL
        CONSTRAINT messages_sender_type_check
        CHECK (sender_type IN ('agent', 'user')),
    sender_id TEXT REFERENCES agents (id) ON DELETE SET NULL,
    recipient_type TEXT NOT NULL
        CONSTRAINT messages_recipient_type_check
        CHECK (recipient_type IN ('agent', 'user')),
    recipient_id TEXT REFERENCES agents (id) ON DELETE SET NULL,
    type TEXT NOT NULL DEFAULT 'info'
        CONSTRAINT messages_type_check
        CHECK (type IN ('question', 'info', 'error', 'response')),
    content TEXT NOT NULL,
    requires_response INTEGER NOT NULL DEFAULT 0
        CONSTRAINT messages_requires_response_check
        CHECK (requires_response IN (0, 1)),
    status TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT messages_status_check
        CHECK (status IN ('pending', 'read', 'responded')),
    parent_message_id TEXT REFERENCES messages (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_created_at_idx ON messages (created_at);
CREATE INDEX messages_parent_message_id_idx
ON messages (parent_message_id, created_at);
CREATE INDEX messages_pending_for_user_idx
ON messages (recipient_type, status, created_at);
CREATE INDEX messages_recipient_id_idx ON messages (recipient_id);
CREATE INDEX messages_requiring_response_idx
ON messages (requires_response, status, created_at);
CREATE INDEX messages_sender_id_idx ON messages (sender_id);

-- pages
CREATE TABLE pages (
    id TEXT NOT NULL PRIMARY KEY,
    initiative_id TEXT NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    parent_page_id TEXT REFERENCES pages (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    content TEXT,
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX pages_created_at_idx ON pages (created_at);
CREATE INDEX pages_initiative_id_idx ON pages (initiative_id, created_at);
CREATE UNIQUE INDEX pages_one_root_per_initiative
ON pages (initiative_id) WHERE parent_page_id IS NULL;
CREATE INDEX pages_parent_page_id_idx
ON pages (parent_page_id, sort_order, created_at);

-- phase_dependencies
CREATE TABLE phase_dependencies (
    phase_id TEXT NOT NULL REFERENCES phases (id) ON DELETE CASCADE,
    depends_on_phase_id TEXT NOT NULL REFERENCES phases (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (phase_id, depends_on_phase_id),
    CONSTRAINT phase_dependencies_self_check
    CHECK (phase_id <> depends_on_phase_id)
) STRICT;
CREATE INDEX phase_dependencies_depends_on_idx
ON phase_dependencies (depends_on_phase_id);

-- phases
CREATE TABLE phases (
    id TEXT NOT NULL PRIMARY KEY,
    initiative_id TEXT NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT phases_status_check
        CHECK (status IN (
            'pending', 'approved', 'in_progress', 'completed', 'blocked',
            'pending_review'
        )),
    merge_base TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX phases_created_at_idx ON phases (created_at);
CREATE INDEX phases_initiative_id_idx ON phases (initiative_id, created_at);

-- projects
CREATE TABLE projects (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL CONSTRAINT projects_name_unique UNIQUE,
    url TEXT NOT NULL CONSTRAINT projects_url_unique UNIQUE,
    default_branch TEXT NOT NULL DEFAULT 'main',
    last_fetched_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX projects_created_at_idx ON projects (created_at);

-- proposals
CREATE TABLE proposals (
    id TEXT NOT NULL PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    initiative_id TEXT NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    target_type TEXT NOT NULL
        CONSTRAINT proposals_target_type_check
        CHECK (target_type IN ('page', 'phase', 'task')),
    target_id TEXT,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    content TEXT NOT NULL,
    metadata TEXT
        CONSTRAINT proposals_metadata_check
        CHECK (metadata IS NULL OR json_valid(metadata)),
    status TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT proposals_status_check
        CHECK (status IN ('pending', 'accepted', 'dismissed')),
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX proposals_agent_id_idx
ON proposals (agent_id, status, sort_order, created_at);
CREATE INDEX proposals_created_at_idx ON proposals (created_at);
CREATE INDEX proposals_initiative_id_idx ON proposals (initiative_id);

-- review_comments
CREATE TABLE review_comments (
    id TEXT NOT NULL PRIMARY KEY,
    phase_id TEXT NOT NULL REFERENCES phases (id) ON DELETE CASCADE,
    file_path TEXT NOT NULL,
    line_number INTEGER NOT NULL,
    line_type TEXT NOT NULL
        CONSTRAINT review_comments_line_type_check
        CHECK (line_type IN ('added', 'removed', 'context')),
    body TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT 'you',
    resolved INTEGER NOT NULL DEFAULT 0
        CONSTRAINT review_comments_resolved_check CHECK (resolved IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX review_comments_phase_id_idx
ON review_comments (phase_id, created_at);

-- task_dependencies
CREATE TABLE task_dependencies (
    task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    depends_on_task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (task_id, depends_on_task_id),
    CONSTRAINT task_dependencies_self_check
    CHECK (task_id <> depends_on_task_id)
) STRICT;
CREATE INDEX task_dependencies_depends_on_idx
ON task_dependencies (depends_on_task_id);

-- tasks
CREATE TABLE tasks (
    id TEXT NOT NULL PRIMARY KEY,
    phase_id TEXT REFERENCES phases (id) ON DELETE CASCADE,
    initiative_id TEXT REFERENCES initiatives (id) ON DELETE CASCADE,
    parent_task_id TEXT REFERENCES tasks (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    type TEXT NOT NULL DEFAULT 'auto'
        CONSTRAINT tasks_type_check
        CHECK (type IN ('auto')),
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
        CHECK (status IN (
            'pending', 'in_progress', 'quality_review', 'completed', 'blocked'
        )),
    "order" INTEGER NOT NULL DEFAULT 0,
    summary TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0
        CONSTRAINT tasks_retry_count_check CHECK (retry_count >= 0),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX tasks_created_at_idx ON tasks (created_at);
CREATE INDEX tasks_initiative_id_idx ON tasks (initiative_id, "order", created_at);
CREATE INDEX tasks_parent_task_id_idx ON tasks (parent_task_id, created_at);
CREATE INDEX tasks_phase_id_idx ON tasks (phase_id, "order", created_at);
