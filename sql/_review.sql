-- The review's own statements: reading the schema and its statistics.
--
-- `python -m cwdb review` and the tests read the catalog to write
-- schema.sql and to model production-sized tables, and write
-- sqlite_stat1 only in a private in-memory database (a real database is
-- opened read-only and its own statistics are used as they are).

-- name: schema_objects
-- Every table, index, trigger and view the migrations made, with its SQL,
-- grouped by table (the table first). SQLite's internals (sqlite_*) and
-- yoyo's bookkeeping (_yoyo_*, yoyo_lock) are left out.
SELECT type, name, tbl_name, sql FROM sqlite_schema
WHERE
    sql IS NOT NULL
    AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
    AND tbl_name NOT LIKE '\_yoyo\_%' ESCAPE '\'
    AND tbl_name <> 'yoyo_lock'
ORDER BY tbl_name, type <> 'table', type, name;

-- name: tables
-- The name of every table, SQLite's internals left out.
SELECT name FROM sqlite_schema
WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY name;

-- name: indexes
-- The indexes of one table: 1 in unique for a UNIQUE or primary key index,
-- 1 in partial for an index with a WHERE clause.
SELECT name, "unique", partial FROM pragma_index_list(:table)
ORDER BY name;

-- name: index_columns
-- The key columns of one index, in index order.
SELECT name FROM pragma_index_info(:index)
ORDER BY seqno;

-- name: foreign_keys
-- The foreign-key columns of one table with the table each refers to.
SELECT "from", "table" FROM pragma_foreign_key_list(:table);

-- name: load_stats!
-- Create sqlite_stat1 if missing and load its rows into the planner.
ANALYZE sqlite_schema;

-- name: clear_stats!
-- Forget every statistic (only ever run on the review's private database).
-- scan: empties the statistics table.
DELETE FROM sqlite_stat1;

-- name: write_stat*!
-- One statistic row: for an index, its row count followed by the average
-- number of rows per distinct value of each leading prefix of its columns;
-- for a table without indexes (:idx NULL), its row count.
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:tbl, :idx, :stat);

-- name: has_stats$
-- 1 when the database holds planner statistics (ANALYZE was run), else 0.
SELECT count(*) FROM sqlite_schema
WHERE type = 'table' AND name = 'sqlite_stat1';
