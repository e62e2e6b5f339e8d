-- The constraints of the schema, as the server's catalog defines them.
--
-- A failed write on PostgreSQL names its constraint and table in the error's
-- diagnostic fields, never its columns (those are only in the message text,
-- which follows the server's lc_messages). cwdb names the columns from
-- cwdb/adapters/constraints.py, a table of the shipped schema's constraints
-- that needs no query while a call fails (its transaction may be aborted);
-- this query reads the same facts from the catalog, and the tests check that
-- the two agree on a migrated database (tests/test_error_fields.py).

-- name: constraints
-- Every PRIMARY KEY, UNIQUE, FOREIGN KEY and CHECK constraint of the
-- connection's schema, and every unique index that backs no constraint (a
-- partial one such as pages_one_root_per_initiative): its name, kind (p, u,
-- f, c), table, key columns in key order, and the table a foreign key refers
-- to (else null). The diagnostic constraint_name of a unique violation is the
-- index's name, which is the constraint's name where there is one.
-- scan: the catalog's constraints and indexes, a few hundred rows, read by a test.
SELECT
    con.conname AS name,
    con.contype::text AS kind,
    tab.relname AS table_name,
    array(
        SELECT att.attname::text
        FROM unnest(con.conkey) WITH ORDINALITY AS k (attnum, key_order)
        INNER JOIN pg_attribute AS att
            ON k.attnum = att.attnum AND con.conrelid = att.attrelid
        ORDER BY k.key_order
    ) AS key_columns,
    parent.relname::text AS refers_to
FROM pg_constraint AS con
INNER JOIN pg_class AS tab ON con.conrelid = tab.oid
LEFT JOIN pg_class AS parent ON con.confrelid = parent.oid
WHERE
    con.connamespace = current_schema()::regnamespace
    AND con.contype IN ('p', 'u', 'f', 'c')
UNION ALL
SELECT
    idx.relname AS name,
    'u' AS kind,
    tab.relname AS table_name,
    array(
        SELECT att.attname::text
        FROM unnest(ind.indkey::int2[]) WITH ORDINALITY AS k (attnum, key_order)
        INNER JOIN pg_attribute AS att
            ON k.attnum = att.attnum AND ind.indrelid = att.attrelid
        ORDER BY k.key_order
    ) AS key_columns,
    null AS refers_to
FROM pg_index AS ind
INNER JOIN pg_class AS idx ON ind.indexrelid = idx.oid
INNER JOIN pg_class AS tab ON ind.indrelid = tab.oid
WHERE
    ind.indisunique
    AND tab.relnamespace = current_schema()::regnamespace
    AND NOT EXISTS (SELECT 1 FROM pg_constraint AS con WHERE con.conindid = ind.indexrelid)
ORDER BY table_name, name;
