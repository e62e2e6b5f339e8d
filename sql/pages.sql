-- Pages: an initiative's documentation, a tree under one root page.
-- Every query returns whole rows in the column order of cwdb.Page.

-- name: create<!
-- Insert one page. The library supplies every column (defaults included)
-- and :now for both timestamps; returns the stored row. A page without a
-- parent is the initiative's root: a second one violates the unique index
-- pages_one_root_per_initiative.
INSERT INTO pages (
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
) VALUES (
    :id, :initiative_id, :parent_page_id, :title, :content, :sort_order,
    :now, :now
)
RETURNING
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at;

-- name: create_root_page!
-- Make the root page of an initiative unless it has one: titled with the
-- initiative's name, sort_order 0, no content. Inserts nothing when the
-- root exists (the conflict target is the partial unique index
-- pages_one_root_per_initiative) or when the initiative does not.
INSERT INTO pages (
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
)
SELECT
    :id AS id, initiatives.id AS initiative_id, NULL AS parent_page_id,
    initiatives.name AS title, NULL AS content, 0 AS sort_order,
    :now AS created_at, :now AS updated_at
FROM initiatives
WHERE initiatives.id = :initiative_id
ON CONFLICT (initiative_id) WHERE parent_page_id IS NULL DO NOTHING;

-- name: find_by_id^
-- One page by id, or no row.
SELECT
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
FROM pages
WHERE id = :id;

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
WHERE initiative_id = :initiative_id
ORDER BY created_at, rowid;

-- name: find_root_page^
-- The root page of one initiative (the page without a parent), or no row
-- (partial index pages_one_root_per_initiative).
SELECT
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
FROM pages
WHERE initiative_id = :initiative_id AND parent_page_id IS NULL;

-- name: find_by_parent_page_id
-- The children of one page, by sort_order, then oldest first
-- (index pages_parent_page_id_idx).
SELECT
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at
FROM pages
WHERE parent_page_id = :parent_page_id
ORDER BY sort_order, created_at, rowid;

-- name: update<!
-- Change the columns whose :set_<column> flag is 1, leave the others;
-- updated_at moves to :now but never backwards. No row: the id is unknown.
UPDATE pages SET
    initiative_id = iif(:set_initiative_id, :initiative_id, initiative_id),
    parent_page_id = iif(:set_parent_page_id, :parent_page_id, parent_page_id),
    title = iif(:set_title, :title, title),
    content = iif(:set_content, :content, content),
    sort_order = iif(:set_sort_order, :sort_order, sort_order),
    updated_at = max(updated_at, :now)
WHERE id = :id
RETURNING
    id, initiative_id, parent_page_id, title, content, sort_order,
    created_at, updated_at;

-- name: delete<!
-- Delete one page; its child pages, and theirs, go with it (ON DELETE
-- CASCADE). Returns the id, or no row when unknown.
DELETE FROM pages
WHERE id = :id
RETURNING id;
