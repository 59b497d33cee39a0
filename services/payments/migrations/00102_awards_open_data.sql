-- Issue 5: what the open data on awards (SCDL subventions 2.1.1) needs of a commitment and the
-- workflow did not send before: the project's title and total budget, the beneficiary's RNA.

-- +goose Up
ALTER TABLE commitments
    ADD COLUMN title                text   NOT NULL DEFAULT '',
    -- 0: unknown (then pourcentageSubvention stays empty).
    ADD COLUMN project_budget_cents bigint NOT NULL DEFAULT 0 CHECK (project_budget_cents >= 0),
    ADD COLUMN beneficiary_rna      text   NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE commitments DROP COLUMN beneficiary_rna, DROP COLUMN project_budget_cents, DROP COLUMN title;
