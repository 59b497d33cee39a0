-- Issue 5: each call's tie-break order, the published inputs of each ranking run (so that anyone
-- can recompute it), and the signed jury minutes.

-- +goose Up
ALTER TABLE calls ADD COLUMN tie_break_criteria text[] NOT NULL DEFAULT '{}';

-- NULL on runs from before the inputs were kept.
ALTER TABLE rankings ADD COLUMN inputs jsonb;

-- Signed minutes are frozen: their content and its hash never change once written.
CREATE TABLE minutes (
    call      text PRIMARY KEY REFERENCES calls,
    html      text        NOT NULL,
    text      text        NOT NULL,
    sha256    text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    signed_by text        NOT NULL,
    sign_time timestamptz NOT NULL
);

-- +goose Down
DROP TABLE minutes;
ALTER TABLE rankings DROP COLUMN inputs;
ALTER TABLE calls DROP COLUMN tie_break_criteria;
