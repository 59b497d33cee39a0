-- +goose Up
CREATE TABLE calls (
    id                        text PRIMARY KEY,
    title                     text        NOT NULL,
    state                     text        NOT NULL,
    envelope_cents            bigint      NOT NULL CHECK (envelope_cents > 0),
    floor_cents               bigint      NOT NULL CHECK (floor_cents > 0),
    ceiling_cents             bigint      NOT NULL CHECK (ceiling_cents >= floor_cents AND ceiling_cents <= envelope_cents),
    max_rate_percent          integer     NOT NULL CHECK (max_rate_percent BETWEEN 1 AND 100),
    opens_at                  timestamptz NOT NULL,
    closes_at                 timestamptz NOT NULL CHECK (closes_at > opens_at),
    review_deadline           timestamptz NOT NULL CHECK (review_deadline > closes_at),
    criteria                  jsonb       NOT NULL,
    overall_threshold         double precision NOT NULL,
    reviewers                 text[]      NOT NULL,
    chair                     text        NOT NULL,
    reviewers_per_application integer     NOT NULL CHECK (reviewers_per_application >= 3),
    created_by                text        NOT NULL,
    create_time               timestamptz NOT NULL
);

CREATE TABLE applications (
    id                  text PRIMARY KEY,
    call                text        NOT NULL REFERENCES calls (id),
    owner_siret         text        NOT NULL,
    created_by          text        NOT NULL,
    state               text        NOT NULL CHECK (state IN ('DRAFT', 'SUBMITTED', 'ELIGIBLE', 'INELIGIBLE', 'UNDER_REVIEW',
                                        'SELECTED', 'RESERVE', 'REJECTED', 'FUNDED', 'COMPLETED', 'WITHDRAWN')),
    state_reason        text        NOT NULL DEFAULT '',
    content             jsonb       NOT NULL,
    content_sha256      text        NOT NULL DEFAULT '',
    submit_time         timestamptz,
    agreement_sign_time timestamptz,
    agreement_signed_by text        NOT NULL DEFAULT '',
    create_time         timestamptz NOT NULL,
    update_time         timestamptz NOT NULL,
    -- Submission freezes the content: a submitted application always has its receipt.
    CHECK (state = 'DRAFT' OR (state = 'WITHDRAWN' AND submit_time IS NULL) OR (submit_time IS NOT NULL AND content_sha256 <> ''))
);
CREATE INDEX applications_by_call ON applications (call, create_time, id);
CREATE INDEX applications_by_owner ON applications (call, owner_siret, create_time, id);

-- +goose Down
DROP TABLE applications;
DROP TABLE calls;
