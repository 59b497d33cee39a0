-- +goose Up
-- A laureate's withdrawal or decommitment, and the reserve entries it promoted (once each).
ALTER TABLE decisions DROP CONSTRAINT decisions_decision_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_decision_check CHECK (decision IN ('SELECTED', 'RESERVE', 'REJECTED', 'WITHDRAWN'));
CREATE TABLE withdrawals (
    application    text        NOT NULL REFERENCES applications,
    kind           text        NOT NULL CHECK (kind IN ('WITHDRAWAL', 'DECOMMITMENT')),
    call           text        NOT NULL REFERENCES calls,
    released_cents bigint      NOT NULL CHECK (released_cents >= 0),
    reason         text        NOT NULL,
    promoted       text[]      NOT NULL,
    record_time    timestamptz NOT NULL,
    PRIMARY KEY (application, kind)
);

-- +goose Down
DROP TABLE withdrawals;
ALTER TABLE decisions DROP CONSTRAINT decisions_decision_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_decision_check CHECK (decision IN ('SELECTED', 'RESERVE', 'REJECTED'));
