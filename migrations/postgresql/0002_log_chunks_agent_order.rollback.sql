-- Undo 0002.
DROP INDEX agent_log_chunks_agent_order_idx;
