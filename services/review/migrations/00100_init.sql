-- The jury's data: each call's jury and grid as the workflow hands them over, declarations of
-- interests, assignments, reviews, ranking runs and the decision signalled for each application.

-- +goose Up
CREATE TABLE calls (
    call                      text PRIMARY KEY,
    chair                     text             NOT NULL,
    reviewers                 text[]           NOT NULL,
    -- [{id, weight, threshold}], in the grid's order.
    criteria                  jsonb            NOT NULL,
    overall_threshold         double precision NOT NULL,
    envelope_cents            bigint           NOT NULL CHECK (envelope_cents > 0),
    reviewers_per_application integer          NOT NULL CHECK (reviewers_per_application >= 1)
);

CREATE TABLE declarations (
    call      text        NOT NULL REFERENCES calls,
    reviewer  text        NOT NULL,
    sign_time timestamptz NOT NULL,
    PRIMARY KEY (call, reviewer)
);

CREATE TABLE applications (
    -- calls/{call}/applications/{application}
    name                   text PRIMARY KEY,
    call                   text        NOT NULL REFERENCES calls,
    title                  text        NOT NULL,
    requested_amount_cents bigint      NOT NULL CHECK (requested_amount_cents > 0),
    submit_time            timestamptz NOT NULL
);
CREATE INDEX applications_call ON applications (call);

CREATE TABLE assignments (
    application text        NOT NULL REFERENCES applications,
    reviewer    text        NOT NULL,
    state       text        NOT NULL DEFAULT 'ASSIGNED' CHECK (state IN ('ASSIGNED', 'REVIEWED')),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (application, reviewer)
);
CREATE INDEX assignments_reviewer ON assignments (reviewer);

CREATE TABLE reviews (
    application text             NOT NULL,
    reviewer    text             NOT NULL,
    -- [{criterion, score}], in the grid's order.
    scores      jsonb            NOT NULL,
    comment     text             NOT NULL,
    total       double precision NOT NULL,
    created_at  timestamptz      NOT NULL,
    PRIMARY KEY (application, reviewer),
    -- Only an assigned reviewer reviews.
    FOREIGN KEY (application, reviewer) REFERENCES assignments
);

CREATE TABLE rankings (
    call      text        NOT NULL REFERENCES calls,
    version   integer     NOT NULL,
    rank_time timestamptz NOT NULL,
    ranking   jsonb       NOT NULL,
    PRIMARY KEY (call, version)
);

-- One decision per application, ever: a later ranking run does not signal it again.
CREATE TABLE decisions (
    application text PRIMARY KEY REFERENCES applications,
    decision    text        NOT NULL CHECK (decision IN ('SELECTED', 'RESERVE', 'REJECTED')),
    rank        integer     NOT NULL,
    reason      text        NOT NULL,
    rank_time   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE decisions;
DROP TABLE rankings;
DROP TABLE reviews;
DROP TABLE assignments;
DROP TABLE applications;
DROP TABLE declarations;
DROP TABLE calls;
