-- Issue 4: each call's load cap and assignment seed, reviewers' expertise and applications'
-- keywords for the optimiser, the number of reviewers each application needs, declarations of
-- conflict or no conflict per application (a déport recuses the assignment, kept for the jury
-- minutes), and the chair's consensus on divergent applications.

-- +goose Up
ALTER TABLE calls
    -- 0: ceil(n·k / jury) + 1 over the applications received so far.
    ADD COLUMN max_load_per_reviewer integer NOT NULL DEFAULT 0 CHECK (max_load_per_reviewer >= 0),
    -- The seed in use (0 on rows from before it: the service derives it from the call's name).
    ADD COLUMN seed bigint NOT NULL DEFAULT 0;

ALTER TABLE declarations ADD COLUMN expertise text[] NOT NULL DEFAULT '{}';

ALTER TABLE applications
    ADD COLUMN keywords text[] NOT NULL DEFAULT '{}',
    -- Fixed when the application is received: a later change of the call's setting does not
    -- make an application already staffed short of reviewers.
    ADD COLUMN reviewers_required integer;
UPDATE applications p SET reviewers_required = c.reviewers_per_application FROM calls c WHERE c.call = p.call;
ALTER TABLE applications
    ALTER COLUMN reviewers_required SET NOT NULL,
    ADD CONSTRAINT applications_reviewers_required_check CHECK (reviewers_required >= 1);

ALTER TABLE assignments DROP CONSTRAINT assignments_state_check;
ALTER TABLE assignments ADD CONSTRAINT assignments_state_check CHECK (state IN ('ASSIGNED', 'REVIEWED', 'RECUSED'));

-- One declaration per assignment: no conflict, or a conflict (then the assignment is RECUSED).
CREATE TABLE conflicts (
    application text        NOT NULL,
    reviewer    text        NOT NULL,
    conflict    boolean     NOT NULL,
    reason      text        NOT NULL,
    declared_at timestamptz NOT NULL,
    PRIMARY KEY (application, reviewer),
    FOREIGN KEY (application, reviewer) REFERENCES assignments
);

CREATE TABLE consensus (
    application text PRIMARY KEY REFERENCES applications,
    chair       text             NOT NULL,
    -- [{criterion, score}], in the grid's order.
    scores      jsonb            NOT NULL,
    comment     text             NOT NULL,
    total       double precision NOT NULL,
    created_at  timestamptz      NOT NULL,
    updated_at  timestamptz      NOT NULL
);

-- +goose Down
DROP TABLE consensus;
DROP TABLE conflicts;
DELETE FROM assignments WHERE state = 'RECUSED';
ALTER TABLE assignments DROP CONSTRAINT assignments_state_check;
ALTER TABLE assignments ADD CONSTRAINT assignments_state_check CHECK (state IN ('ASSIGNED', 'REVIEWED'));
ALTER TABLE applications DROP COLUMN reviewers_required, DROP COLUMN keywords;
ALTER TABLE declarations DROP COLUMN expertise;
ALTER TABLE calls DROP COLUMN seed, DROP COLUMN max_load_per_reviewer;
