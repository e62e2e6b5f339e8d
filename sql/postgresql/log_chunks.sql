-- Log chunks: pieces of an agent's streamed output (table agent_log_chunks).
-- There is no foreign key to agents on purpose: output outlives the agent row.
-- "Insertion order" is rowid order (the identity column); the library never
-- updates a chunk. Queries returning chunks give whole rows in the column
-- order of cwdb.LogChunk (iter_page puts the rowid in front of them).
-- Parameters are psycopg's %(name)s placeholders; timestamps are
-- timestamptz (aware datetimes cut to the millisecond). sqlfluff's
-- placeholder templater writes each one as its bare name, and a bare `limit`
-- is a reserved word it cannot parse, so the next line has it lint a 0.
-- sqlfluff:templater:placeholder:limit:0

-- name: insert_chunk<!
-- Insert one chunk; the library supplies %(id)s and %(now)s. Returns the
-- stored row.
INSERT INTO agent_log_chunks (
    id, agent_id, agent_name, content, session_number, created_at
) VALUES (
    %(id)s, %(agent_id)s, %(agent_name)s, %(content)s, %(session_number)s, %(now)s
)
RETURNING
    id, agent_id, agent_name, content, session_number, created_at;

-- name: insert_chunks*!
-- Insert one chunk per parameter set (psycopg executemany), all sets in one
-- transaction; every chunk of one call shares %(now)s. Same parameters as
-- insert_chunk.
INSERT INTO agent_log_chunks (
    id, agent_id, agent_name, content, session_number, created_at
) VALUES (
    %(id)s, %(agent_id)s, %(agent_name)s, %(content)s, %(session_number)s, %(now)s
);

-- name: find_by_agent_id
-- Every chunk of one agent, in insertion order
-- (agent_log_chunks_agent_order_idx holds them in that order).
SELECT
    id, agent_id, agent_name, content, session_number, created_at
FROM agent_log_chunks
WHERE agent_id = %(agent_id)s
ORDER BY rowid;

-- name: find_by_agent_ids
-- Every chunk of several agents, in insertion order. %(agent_ids)s is one
-- JSON array of ids as text (an empty array gives no rows). The ids become
-- one text array (= any(array(...)), not IN (subquery)), so the planner seeks
-- each id in agent_log_chunks_agent_order_idx instead of hash-joining the
-- whole table against a function it cannot estimate; then one sort by rowid.
SELECT
    id, agent_id, agent_name, content, session_number, created_at
FROM agent_log_chunks
WHERE agent_id = any(array(
    SELECT jsonb_array_elements_text(%(agent_ids)s::jsonb)
))
ORDER BY rowid;

-- name: iter_page
-- One page of an agent's chunks for streaming: up to %(limit)s chunks whose
-- rowid is greater than %(after)s (the first column of the previous page's
-- last row; the smallest 64-bit integer to start), in insertion order. Rows
-- are (rowid, then the LogChunk columns). Keyset paging: chunks deleted
-- between pages shift nothing, so nothing is returned twice or skipped; each
-- page seeks straight to its first row through
-- agent_log_chunks_agent_order_idx.
SELECT
    rowid, id, agent_id, agent_name, content, session_number, created_at
FROM agent_log_chunks
WHERE agent_id = %(agent_id)s AND rowid > %(after)s
ORDER BY rowid
LIMIT %(limit)s;

-- name: delete_by_agent_id!
-- Delete every chunk of one agent (the caller counts the rows changed: the
-- cursor's rowcount).
DELETE FROM agent_log_chunks
WHERE agent_id = %(agent_id)s;

-- name: delete_older_than!
-- Retention: delete up to %(batch)s chunks, of any agent, made before
-- %(cutoff)s (a timestamptz). The library repeats it, one transaction per
-- batch, until a batch deletes fewer than %(batch)s rows, so other writers
-- get their turn in between. PostgreSQL's DELETE has no LIMIT: the inner
-- query takes the oldest chunks' ctids from agent_log_chunks_created_at_idx,
-- and the rows are deleted by ctid (one TID scan; the identity rowid has no
-- index of its own, and chunks are never updated, so a ctid stays put).
DELETE FROM agent_log_chunks
WHERE ctid = any(array(
    SELECT expired.ctid
    FROM agent_log_chunks AS expired
    WHERE expired.created_at < %(cutoff)s
    ORDER BY expired.created_at
    LIMIT %(batch)s
));

-- name: get_session_count$
-- The highest session number of one agent's chunks, 0 when it has none
-- (agent_log_chunks_agent_id_idx).
SELECT coalesce(max(session_number), 0)
FROM agent_log_chunks
WHERE agent_id = %(agent_id)s;
