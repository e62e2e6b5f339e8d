-- Pages: an initiative's documentation, a tree under one root page.
-- Every query returns whole rows in the column order of cwdb.Page.
-- Parameters are psycopg's %(name)s placeholders.
-- The linter's placeholder templater (sqlfluff) writes each one as its
-- bare name, so
-- `%(id)s AS id` would lint as a self-alias;
-- the next line has it lint a string literal instead.
-- sqlfluff:templater:placeholder:id:'x'

-- name: create<!
-- Insert one page. The library supplies every column (defaults included)
-- and %(now)s for both timestamps; returns the stored row. A page without a
-- parent is the initiative's root: a second one violates the unique index
-- pages_one_root_per_initiative.
INSERT INTO pages (
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
) VALUES (
    %(id)s, %(initiative_id)s, %(parent_page_id)s, %(title)s, %(content)s, %(sort_order)s,
    %(now)s, %(now)s
)
RETURNING
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at;

-- name: create_root_page!
-- Make the root page of an initiative unless it has one: titled with the
-- initiative's name, sort_order 0, no content. Inserts nothing when the
-- root exists (the conflict target is the partial unique index
-- pages_one_root_per_initiative) or when the initiative does not. Safe
-- against a concurrent insert of the same root: ON CONFLICT DO NOTHING waits
-- for the other insert and then does nothing; get_or_create_root_page also
-- runs it under the library's pg_advisory_xact_lock.
INSERT INTO pages (
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
)
SELECT
    %(id)s AS id, initiatives.id AS initiative_id, NULL AS parent_page_id,
    initiatives.name AS title, NULL AS content, 0 AS sort_order,
    %(now)s AS created_at, %(now)s AS updated_at
FROM initiatives
WHERE initiatives.id = %(initiative_id)s
ON CONFLICT (initiative_id) WHERE parent_page_id IS NULL DO NOTHING;

-- name: find_by_id^
-- One page by id, or no row.
SELECT
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
FROM pages
WHERE id = %(id)s;

-- name: find_all
-- Every page, oldest first (rowid keeps same-millisecond rows in order).
-- scan: returns the whole table.
SELECT
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
FROM pages
ORDER BY created_at, rowid;

-- name: find_by_initiative_id
-- Every page of one initiative, root included, oldest first
-- (index pages_initiative_id_idx).
SELECT
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
FROM pages
WHERE initiative_id = %(initiative_id)s
ORDER BY created_at, rowid;

-- name: find_root_page^
-- The root page of one initiative (the page without a parent), or no row
-- (partial index pages_one_root_per_initiative).
SELECT
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
FROM pages
WHERE initiative_id = %(initiative_id)s AND parent_page_id IS NULL;

-- name: find_by_parent_page_id
-- The children of one page, by sort_order, then oldest first
-- (index pages_parent_page_id_idx).
SELECT
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
FROM pages
WHERE parent_page_id = %(parent_page_id)s
ORDER BY sort_order, created_at, rowid;

-- name: update<!
-- Change the columns whose set_<column> flag is true, leave the others;
-- updated_at moves to %(now)s but never backwards. No row: the id is unknown.
UPDATE pages SET
    initiative_id = CASE WHEN %(set_initiative_id)s THEN %(initiative_id)s ELSE initiative_id END,
    parent_page_id = CASE
        WHEN %(set_parent_page_id)s THEN %(parent_page_id)s ELSE parent_page_id
    END,
    title = CASE WHEN %(set_title)s THEN %(title)s ELSE title END,
    content = CASE WHEN %(set_content)s THEN %(content)s ELSE content END,
    sort_order = CASE WHEN %(set_sort_order)s THEN %(sort_order)s ELSE sort_order END,
    updated_at = greatest(updated_at, %(now)s)
WHERE id = %(id)s
RETURNING
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at;

-- name: delete<!
-- Delete one page; its child pages, and theirs, go with it (ON DELETE
-- CASCADE). Returns the id, or no row when unknown.
DELETE FROM pages
WHERE id = %(id)s
RETURNING id;
