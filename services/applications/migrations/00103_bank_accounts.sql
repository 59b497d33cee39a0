-- +goose Up
-- Corrections of a selected or funded project's bank account. The submitted content (and its hash,
-- the receipt) never changes: each correction is a new row; the latest is the account in force.
CREATE TABLE bank_account_versions (
    id          bigserial PRIMARY KEY,
    application text        NOT NULL REFERENCES applications (id),
    iban        text        NOT NULL,
    bic         text        NOT NULL DEFAULT '',
    holder      text        NOT NULL,
    changed_by  text        NOT NULL,
    create_time timestamptz NOT NULL
);
CREATE INDEX bank_account_versions_by_application ON bank_account_versions (application, id);

-- +goose Down
DROP TABLE bank_account_versions;
