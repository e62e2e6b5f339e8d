-- The orchestrator's whole data model on PostgreSQL: the 19 tables of
-- migrations/0001_initial_schema.sql (SQLite), in PostgreSQL's own types.
--
-- The same table, column, constraint and index names as on SQLite, the same
-- defaults, foreign keys and ON DELETE actions. What differs, by type:
--   * timestamps are timestamptz(3): UTC instants to the millisecond;
--   * booleans are boolean, so they need no CHECK (SQLite's *_check on 0/1);
--   * JSON fields are jsonb, which refuses invalid JSON by itself;
--   * every table ends with `rowid`, an identity column that records
--     insertion order, as SQLite's implicit rowid does: lists ordered
--     "oldest first" read `ORDER BY created_at, rowid` in both dialects.
-- Enum rules are named CHECKs, as on SQLite, so an error names its rule.

CREATE TABLE initiatives (
    id text NOT NULL PRIMARY KEY,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'active'
        CONSTRAINT initiatives_status_check
        CHECK (status IN ('active', 'completed', 'archived')),
    execution_mode text NOT NULL DEFAULT 'review_per_phase'
        CONSTRAINT initiatives_execution_mode_check
        CHECK (execution_mode IN ('yolo', 'review_per_phase')),
    quality_review boolean NOT NULL DEFAULT false,
    branch text,
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX initiatives_status_idx ON initiatives (status, created_at);
CREATE INDEX initiatives_created_at_idx ON initiatives (created_at);

CREATE TABLE phases (
    id text NOT NULL PRIMARY KEY,
    initiative_id text NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    name text NOT NULL,
    content text,
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT phases_status_check
        CHECK (status IN (
            'pending', 'approved', 'in_progress', 'completed', 'blocked',
            'pending_review'
        )),
    merge_base text,
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX phases_initiative_id_idx ON phases (initiative_id, created_at);
CREATE INDEX phases_created_at_idx ON phases (created_at);

CREATE TABLE phase_dependencies (
    phase_id text NOT NULL REFERENCES phases (id) ON DELETE CASCADE,
    depends_on_phase_id text NOT NULL REFERENCES phases (id) ON DELETE CASCADE,
    created_at timestamptz (3) NOT NULL,
    PRIMARY KEY (phase_id, depends_on_phase_id),
    CONSTRAINT phase_dependencies_self_check
    CHECK (phase_id <> depends_on_phase_id),
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX phase_dependencies_depends_on_idx
ON phase_dependencies (depends_on_phase_id);

CREATE TABLE tasks (
    id text NOT NULL PRIMARY KEY,
    phase_id text REFERENCES phases (id) ON DELETE CASCADE,
    initiative_id text REFERENCES initiatives (id) ON DELETE CASCADE,
    parent_task_id text REFERENCES tasks (id) ON DELETE CASCADE,
    name text NOT NULL,
    description text,
    type text NOT NULL DEFAULT 'auto'
        CONSTRAINT tasks_type_check
        CHECK (type IN (
            'auto', 'checkpoint:human-verify', 'checkpoint:decision',
            'checkpoint:human-action'
        )),
    category text NOT NULL DEFAULT 'execute'
        CONSTRAINT tasks_category_check
        CHECK (category IN (
            'execute', 'research', 'discuss', 'plan', 'detail', 'refine',
            'verify', 'merge', 'review'
        )),
    priority text NOT NULL DEFAULT 'medium'
        CONSTRAINT tasks_priority_check
        CHECK (priority IN ('low', 'medium', 'high')),
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT tasks_status_check
        CHECK (status IN ('pending', 'in_progress', 'completed', 'blocked')),
    "order" integer NOT NULL DEFAULT 0,
    summary text,
    retry_count integer NOT NULL DEFAULT 0
        CONSTRAINT tasks_retry_count_check CHECK (retry_count >= 0),
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX tasks_phase_id_idx ON tasks (phase_id, "order", created_at);
CREATE INDEX tasks_initiative_id_idx ON tasks (initiative_id, "order", created_at);
CREATE INDEX tasks_parent_task_id_idx ON tasks (parent_task_id, created_at);
CREATE INDEX tasks_created_at_idx ON tasks (created_at);

CREATE TABLE task_dependencies (
    task_id text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    depends_on_task_id text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    created_at timestamptz (3) NOT NULL,
    PRIMARY KEY (task_id, depends_on_task_id),
    CONSTRAINT task_dependencies_self_check
    CHECK (task_id <> depends_on_task_id),
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX task_dependencies_depends_on_idx
ON task_dependencies (depends_on_task_id);

CREATE TABLE accounts (
    id text NOT NULL PRIMARY KEY,
    email text NOT NULL,
    provider text NOT NULL DEFAULT 'claude',
    config_json text,
    credentials text,
    is_exhausted boolean NOT NULL DEFAULT false,
    exhausted_until timestamptz (3),
    last_used_at timestamptz (3),
    sort_order integer NOT NULL DEFAULT 0,
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX accounts_provider_idx
ON accounts (provider, last_used_at, sort_order, created_at);
CREATE INDEX accounts_exhausted_until_idx
ON accounts (exhausted_until) WHERE is_exhausted;
CREATE INDEX accounts_created_at_idx ON accounts (created_at);

CREATE TABLE agents (
    id text NOT NULL PRIMARY KEY,
    name text NOT NULL CONSTRAINT agents_name_unique UNIQUE,
    task_id text REFERENCES tasks (id) ON DELETE SET NULL,
    initiative_id text REFERENCES initiatives (id) ON DELETE SET NULL,
    session_id text,
    worktree_id text NOT NULL,
    provider text NOT NULL DEFAULT 'claude',
    account_id text REFERENCES accounts (id) ON DELETE SET NULL,
    status text NOT NULL DEFAULT 'idle'
        CONSTRAINT agents_status_check
        CHECK (status IN (
            'idle', 'running', 'waiting_for_input', 'stopped', 'crashed'
        )),
    mode text NOT NULL DEFAULT 'execute'
        CONSTRAINT agents_mode_check
        CHECK (mode IN ('execute', 'discuss', 'plan', 'detail', 'refine')),
    pid integer,
    exit_code integer,
    prompt text,
    output_file_path text,
    result jsonb,
    pending_questions jsonb,
    user_dismissed_at timestamptz (3),
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX agents_task_id_idx ON agents (task_id, created_at);
CREATE INDEX agents_initiative_id_idx ON agents (initiative_id);
CREATE INDEX agents_account_id_idx ON agents (account_id);
CREATE INDEX agents_session_id_idx ON agents (session_id);
CREATE INDEX agents_status_idx ON agents (status, created_at);
CREATE INDEX agents_created_at_idx ON agents (created_at);

CREATE TABLE proposals (
    id text NOT NULL PRIMARY KEY,
    agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    initiative_id text NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    target_type text NOT NULL
        CONSTRAINT proposals_target_type_check
        CHECK (target_type IN ('phase', 'task', 'page')),
    target_id text,
    title text NOT NULL,
    summary text,
    content text,
    metadata jsonb,
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT proposals_status_check
        CHECK (status IN ('pending', 'accepted', 'dismissed')),
    sort_order integer NOT NULL DEFAULT 0,
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX proposals_agent_id_idx
ON proposals (agent_id, status, sort_order, created_at);
CREATE INDEX proposals_initiative_id_idx ON proposals (initiative_id);
CREATE INDEX proposals_created_at_idx ON proposals (created_at);

CREATE TABLE pages (
    id text NOT NULL PRIMARY KEY,
    initiative_id text NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    parent_page_id text REFERENCES pages (id) ON DELETE CASCADE,
    title text NOT NULL,
    content text,
    sort_order integer NOT NULL DEFAULT 0,
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX pages_initiative_id_idx ON pages (initiative_id, created_at);
CREATE INDEX pages_parent_page_id_idx
ON pages (parent_page_id, sort_order, created_at);
CREATE UNIQUE INDEX pages_one_root_per_initiative
ON pages (initiative_id) WHERE parent_page_id IS null;
CREATE INDEX pages_created_at_idx ON pages (created_at);

CREATE TABLE projects (
    id text NOT NULL PRIMARY KEY,
    name text NOT NULL CONSTRAINT projects_name_unique UNIQUE,
    url text NOT NULL CONSTRAINT projects_url_unique UNIQUE,
    default_branch text NOT NULL DEFAULT 'main',
    last_fetched_at timestamptz (3),
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX projects_created_at_idx ON projects (created_at);

CREATE TABLE initiative_projects (
    initiative_id text NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    project_id text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_at timestamptz (3) NOT NULL,
    PRIMARY KEY (initiative_id, project_id),
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX initiative_projects_project_id_idx
ON initiative_projects (project_id);

CREATE TABLE messages (
    id text NOT NULL PRIMARY KEY,
    sender_type text NOT NULL
        CONSTRAINT messages_sender_type_check
        CHECK (sender_type IN ('agent', 'user')),
    sender_id text REFERENCES agents (id) ON DELETE SET NULL,
    recipient_type text NOT NULL
        CONSTRAINT messages_recipient_type_check
        CHECK (recipient_type IN ('agent', 'user')),
    recipient_id text REFERENCES agents (id) ON DELETE SET NULL,
    type text NOT NULL DEFAULT 'info'
        CONSTRAINT messages_type_check
        CHECK (type IN ('question', 'info', 'error', 'response')),
    content text NOT NULL,
    requires_response boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT messages_status_check
        CHECK (status IN ('pending', 'read', 'responded')),
    parent_message_id text REFERENCES messages (id) ON DELETE CASCADE,
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX messages_sender_id_idx ON messages (sender_id);
CREATE INDEX messages_recipient_id_idx ON messages (recipient_id);
CREATE INDEX messages_parent_message_id_idx
ON messages (parent_message_id, created_at);
CREATE INDEX messages_pending_for_user_idx
ON messages (recipient_type, status, created_at);
CREATE INDEX messages_requiring_response_idx
ON messages (requires_response, status, created_at);
CREATE INDEX messages_created_at_idx ON messages (created_at);

-- Log chunks deliberately have no foreign key to agents: an agent's output
-- outlives the agent row, and the hot insert path skips the parent lookup.
CREATE TABLE agent_log_chunks (
    id text NOT NULL PRIMARY KEY,
    agent_id text NOT NULL,
    agent_name text NOT NULL,
    content text NOT NULL,
    session_number integer NOT NULL DEFAULT 1
        CONSTRAINT agent_log_chunks_session_number_check
        CHECK (session_number >= 0),
    created_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX agent_log_chunks_agent_id_idx
ON agent_log_chunks (agent_id, session_number);
CREATE INDEX agent_log_chunks_created_at_idx ON agent_log_chunks (created_at);

CREATE TABLE conversations (
    id text NOT NULL PRIMARY KEY,
    from_agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    to_agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    initiative_id text REFERENCES initiatives (id) ON DELETE SET NULL,
    phase_id text REFERENCES phases (id) ON DELETE SET NULL,
    task_id text REFERENCES tasks (id) ON DELETE SET NULL,
    question text NOT NULL,
    answer text,
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT conversations_status_check
        CHECK (status IN ('pending', 'answered')),
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX conversations_from_agent_id_idx
ON conversations (from_agent_id, created_at);
CREATE INDEX conversations_to_agent_id_idx
ON conversations (to_agent_id, status, created_at);
CREATE INDEX conversations_initiative_id_idx ON conversations (initiative_id);
CREATE INDEX conversations_phase_id_idx ON conversations (phase_id);
CREATE INDEX conversations_task_id_idx ON conversations (task_id);

CREATE TABLE change_sets (
    id text NOT NULL PRIMARY KEY,
    initiative_id text NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    agent_id text REFERENCES agents (id) ON DELETE SET NULL,
    summary text,
    status text NOT NULL DEFAULT 'applied'
        CONSTRAINT change_sets_status_check
        CHECK (status IN ('applied', 'reverted')),
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX change_sets_initiative_id_idx ON change_sets (initiative_id);
CREATE INDEX change_sets_agent_id_idx ON change_sets (agent_id);

CREATE TABLE chat_sessions (
    id text NOT NULL PRIMARY KEY,
    target_type text NOT NULL
        CONSTRAINT chat_sessions_target_type_check
        CHECK (target_type IN ('phase', 'task')),
    target_id text NOT NULL,
    initiative_id text NOT NULL
        REFERENCES initiatives (id) ON DELETE CASCADE,
    agent_id text REFERENCES agents (id) ON DELETE SET NULL,
    status text NOT NULL DEFAULT 'active'
        CONSTRAINT chat_sessions_status_check
        CHECK (status IN ('active', 'closed')),
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE UNIQUE INDEX chat_sessions_one_active_per_target
ON chat_sessions (target_type, target_id) WHERE status = 'active';
CREATE INDEX chat_sessions_target_idx
ON chat_sessions (target_type, target_id, status);
CREATE INDEX chat_sessions_initiative_id_idx ON chat_sessions (initiative_id);
CREATE INDEX chat_sessions_agent_id_idx
ON chat_sessions (agent_id, status, created_at);

CREATE TABLE chat_messages (
    id text NOT NULL PRIMARY KEY,
    chat_session_id text NOT NULL
        REFERENCES chat_sessions (id) ON DELETE CASCADE,
    role text NOT NULL
        CONSTRAINT chat_messages_role_check
        CHECK (role IN ('user', 'assistant', 'system')),
    content text NOT NULL,
    change_set_id text REFERENCES change_sets (id) ON DELETE SET NULL,
    created_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX chat_messages_chat_session_id_idx
ON chat_messages (chat_session_id, created_at);
CREATE INDEX chat_messages_change_set_id_idx ON chat_messages (change_set_id);

CREATE TABLE errands (
    id text NOT NULL PRIMARY KEY,
    description text NOT NULL,
    branch text NOT NULL,
    base_branch text NOT NULL DEFAULT 'main',
    agent_id text REFERENCES agents (id) ON DELETE SET NULL,
    project_id text REFERENCES projects (id) ON DELETE SET NULL,
    status text NOT NULL DEFAULT 'active'
        CONSTRAINT errands_status_check
        CHECK (status IN (
            'active', 'pending_review', 'conflict', 'merged', 'abandoned'
        )),
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX errands_agent_id_idx ON errands (agent_id);
CREATE INDEX errands_project_id_idx ON errands (project_id, status, created_at);
CREATE INDEX errands_status_idx ON errands (status, created_at);
CREATE INDEX errands_created_at_idx ON errands (created_at);

CREATE TABLE review_comments (
    id text NOT NULL PRIMARY KEY,
    phase_id text NOT NULL REFERENCES phases (id) ON DELETE CASCADE,
    file_path text NOT NULL,
    line_number integer NOT NULL,
    line_type text NOT NULL
        CONSTRAINT review_comments_line_type_check
        CHECK (line_type IN ('added', 'removed', 'context')),
    body text NOT NULL,
    author text NOT NULL DEFAULT 'you',
    resolved boolean NOT NULL DEFAULT false,
    created_at timestamptz (3) NOT NULL,
    updated_at timestamptz (3) NOT NULL,
    rowid bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX review_comments_phase_id_idx
ON review_comments (phase_id, created_at);
