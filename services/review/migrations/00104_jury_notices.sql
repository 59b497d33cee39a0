-- +goose Up
-- The reminders (to reviewers, before the review deadline) and escalations (to the chair, at the
-- deadline) emailed about a call's missing reviews: one per call, kind and recipient, so that a
-- retried activity never mails twice.
CREATE TABLE jury_notices (
    call         text        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('REMINDER', 'ESCALATION')),
    recipient    text        NOT NULL,
    email        text        NOT NULL,
    applications text[]      NOT NULL,
    message_id   text        NOT NULL,
    send_time    timestamptz NOT NULL,
    PRIMARY KEY (call, kind, recipient)
);

-- +goose Down
DROP TABLE jury_notices;
