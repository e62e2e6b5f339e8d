-- Log chunks are read per agent in insertion (rowid) order: find_by_agent_id,
-- find_by_agent_ids and the keyset pages of iter_by_agent_id. An index on
-- agent_id alone carries the rowid in order, so those reads need no sort and
-- a page seeks straight to `agent_id = ? AND rowid > ?`. The existing
-- (agent_id, session_number) index stays for get_session_count.
CREATE INDEX agent_log_chunks_agent_order_idx ON agent_log_chunks (agent_id);
