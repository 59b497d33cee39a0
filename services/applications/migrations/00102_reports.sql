-- +goose Up
-- Milestone reports of funded projects. A corrected report is a new row: nothing is overwritten.
CREATE TABLE reports (
    id           text PRIMARY KEY,
    application  text        NOT NULL REFERENCES applications (id),
    sequence     integer     NOT NULL CHECK (sequence >= 2),
    summary      text        NOT NULL,
    deliverables text[]      NOT NULL DEFAULT '{}',
    final        boolean     NOT NULL,
    submitted_by text        NOT NULL,
    create_time  timestamptz NOT NULL
);
CREATE INDEX reports_by_application ON reports (application, sequence, create_time);

-- +goose Down
DROP TABLE reports;
