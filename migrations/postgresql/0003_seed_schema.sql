-- The seed's rules, as migrations/0003_seed_schema.sql gives them on SQLite:
--   * initiatives.status also allows 'pending_review';
--   * tasks.status also allows 'quality_review'; tasks.type allows only 'auto';
--   * proposals.target_type lists its values in the seed's order;
--     proposals.summary and proposals.content are NOT NULL;
--   * errands.project_id is NOT NULL, ON DELETE CASCADE.
-- PostgreSQL changes constraints in place, and the whole migration is one
-- transaction. Rows the new rules cannot hold are counted first and refused
-- with one error naming table, rule and count; nothing is changed then.

DO $refuse$
DECLARE
    refused text := concat_ws(
        '; ',
        (SELECT 'errands: ' || count(*) || ' rows break project_id NOT NULL'
         FROM errands WHERE project_id IS NULL HAVING count(*) > 0),
        (SELECT 'proposals: ' || count(*) || ' rows break summary NOT NULL'
         FROM proposals WHERE summary IS NULL HAVING count(*) > 0),
        (SELECT 'proposals: ' || count(*) || ' rows break content NOT NULL'
         FROM proposals WHERE content IS NULL HAVING count(*) > 0),
        (SELECT 'tasks: ' || count(*) || ' rows break type IN (''auto'')'
         FROM tasks WHERE type <> 'auto' HAVING count(*) > 0)
    );
BEGIN
    IF refused <> '' THEN
        RAISE EXCEPTION 'migration 0003_seed_schema refused: the database holds rows its new rules cannot store (%); nothing was changed', refused
        USING ERRCODE = 'check_violation';
    END IF;
END
$refuse$;

ALTER TABLE initiatives
DROP CONSTRAINT initiatives_status_check,
ADD CONSTRAINT initiatives_status_check
CHECK (status IN ('active', 'pending_review', 'completed', 'archived'));

ALTER TABLE tasks
DROP CONSTRAINT tasks_type_check,
ADD CONSTRAINT tasks_type_check CHECK (type IN ('auto')),
DROP CONSTRAINT tasks_status_check,
ADD CONSTRAINT tasks_status_check
CHECK (status IN (
    'pending', 'in_progress', 'quality_review', 'completed', 'blocked'
));

ALTER TABLE proposals
DROP CONSTRAINT proposals_target_type_check,
ADD CONSTRAINT proposals_target_type_check
CHECK (target_type IN ('page', 'phase', 'task')),
ALTER COLUMN summary SET NOT NULL,
ALTER COLUMN content SET NOT NULL;

ALTER TABLE errands
ALTER COLUMN project_id SET NOT NULL,
DROP CONSTRAINT errands_project_id_fkey,
ADD CONSTRAINT errands_project_id_fkey
FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE;
