-- Explaining a FOREIGN KEY failure: which referenced id is missing.
--
-- SQLite says that a foreign key failed, not which one. After such a
-- failure (never otherwise), the library reads the foreign keys of the
-- table it wrote and looks each referenced id up again, in the same
-- transaction, so that the error can name the field and the id.

-- name: foreign_keys
-- The foreign-key columns of one table with the table each refers to.
SELECT "from", "table" FROM pragma_foreign_key_list(:table)
ORDER BY id, seq;

-- name: row_exists$
-- 1 when the table :parent holds a row with the id :id, else 0 (every
-- foreign key of the schema refers to an id primary key).
SELECT
    CASE :parent
        WHEN 'accounts' THEN EXISTS (SELECT 1 FROM accounts WHERE id = :id)
        WHEN 'agents' THEN EXISTS (SELECT 1 FROM agents WHERE id = :id)
        WHEN 'change_sets' THEN EXISTS (SELECT 1 FROM change_sets WHERE id = :id)
        WHEN 'chat_sessions' THEN EXISTS (SELECT 1 FROM chat_sessions WHERE id = :id)
        WHEN 'initiatives' THEN EXISTS (SELECT 1 FROM initiatives WHERE id = :id)
        WHEN 'messages' THEN EXISTS (SELECT 1 FROM messages WHERE id = :id)
        WHEN 'pages' THEN EXISTS (SELECT 1 FROM pages WHERE id = :id)
        WHEN 'phases' THEN EXISTS (SELECT 1 FROM phases WHERE id = :id)
        WHEN 'projects' THEN EXISTS (SELECT 1 FROM projects WHERE id = :id)
        WHEN 'tasks' THEN EXISTS (SELECT 1 FROM tasks WHERE id = :id)
        ELSE 0
    END;
