-- The tables every service schema has: the transactional outbox and the hash-chained audit log.
-- Service migrations are numbered from 00100 on.

-- +goose Up
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    workflow_id   text        NOT NULL,
    workflow_type text        NOT NULL DEFAULT '',
    signal_name   text        NOT NULL DEFAULT '',
    payload       jsonb       NOT NULL,
    trace         jsonb       NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    dispatched_at timestamptz,
    attempts      integer     NOT NULL DEFAULT 0,
    last_error    text        NOT NULL DEFAULT '',
    CHECK ((workflow_type = '') <> (signal_name = ''))
);
CREATE INDEX outbox_pending ON outbox (id) WHERE dispatched_at IS NULL;

CREATE TABLE audit_log (
    seq       bigserial PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor     text        NOT NULL,
    role      text        NOT NULL,
    action    text        NOT NULL,
    object    text        NOT NULL,
    before    jsonb,
    after     jsonb,
    prev_hash text        NOT NULL,
    hash      text        NOT NULL UNIQUE
);
-- Append-only: rows can be inserted, never changed or removed through the application role.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only;
DROP TABLE outbox;
