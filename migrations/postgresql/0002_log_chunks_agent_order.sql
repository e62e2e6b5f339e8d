-- Log chunks are read per agent in insertion order: find_by_agent_id,
-- find_by_agent_ids and the keyset pages of iter_by_agent_id. SQLite's index
-- on agent_id carries the rowid implicitly; here it is written out, so those
-- reads need no sort and a page seeks straight to `agent_id = ? AND rowid > ?`.
CREATE INDEX agent_log_chunks_agent_order_idx ON agent_log_chunks (agent_id, rowid);
