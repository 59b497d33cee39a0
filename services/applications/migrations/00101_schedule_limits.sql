-- +goose Up
-- The limits of a call's tranche schedules (DOMAIN.md, "Funding and payments"): the advance (first
-- tranche) at most advance_max_percent of the requested amount, all tranches but the last at most
-- interim_max_percent. Existing calls get the defaults.
ALTER TABLE calls
    ADD COLUMN advance_max_percent integer NOT NULL DEFAULT 30 CHECK (advance_max_percent BETWEEN 1 AND 100),
    ADD COLUMN interim_max_percent integer NOT NULL DEFAULT 80 CHECK (interim_max_percent BETWEEN 1 AND 100),
    ADD CONSTRAINT calls_advance_within_interim CHECK (advance_max_percent <= interim_max_percent);

-- +goose Down
ALTER TABLE calls
    DROP CONSTRAINT calls_advance_within_interim,
    DROP COLUMN interim_max_percent,
    DROP COLUMN advance_max_percent;
