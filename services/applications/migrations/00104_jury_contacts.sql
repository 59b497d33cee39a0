-- +goose Up
-- The jury members' contact emails ([{subject, email}]), for the review reminders and the
-- escalation of missing reviews to the chair. Personal data: shown to the programme officer and
-- the workflow worker only.
ALTER TABLE calls ADD COLUMN jury_contacts jsonb NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE calls DROP COLUMN jury_contacts;
