-- Undo 0003: the constraints of 0001. A row only the seed's rules allow (an
-- initiative in 'pending_review', a task in 'quality_review') makes its ALTER
-- fail, and the whole rollback with it.

ALTER TABLE errands
DROP CONSTRAINT errands_project_id_fkey,
ADD CONSTRAINT errands_project_id_fkey
FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE SET NULL,
ALTER COLUMN project_id DROP NOT NULL;

ALTER TABLE proposals
ALTER COLUMN content DROP NOT NULL,
ALTER COLUMN summary DROP NOT NULL,
DROP CONSTRAINT proposals_target_type_check,
ADD CONSTRAINT proposals_target_type_check
CHECK (target_type IN ('phase', 'task', 'page'));

ALTER TABLE tasks
DROP CONSTRAINT tasks_status_check,
ADD CONSTRAINT tasks_status_check
CHECK (status IN ('pending', 'in_progress', 'completed', 'blocked')),
DROP CONSTRAINT tasks_type_check,
ADD CONSTRAINT tasks_type_check
CHECK (type IN (
    'auto', 'checkpoint:human-verify', 'checkpoint:decision',
    'checkpoint:human-action'
));

ALTER TABLE initiatives
DROP CONSTRAINT initiatives_status_check,
ADD CONSTRAINT initiatives_status_check
CHECK (status IN ('active', 'completed', 'archived'));
