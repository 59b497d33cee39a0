-- The payments schema: call budgets, grant commitments, tranches, payment batches and a
-- double-entry ledger. The invariants of DOMAIN.md are constraints here as well as rules in the
-- code, so that a bug or a race in one is stopped by the other:
--   Σ commitments ≤ envelope, per project Σ payments ≤ commitment, a tranche paid at most once,
--   certifier, orderer and payer of a tranche are three different people, every ledger
--   transaction balances.

-- +goose Up
CREATE TABLE call_budgets (
    call            text        PRIMARY KEY,
    envelope_cents  bigint      NOT NULL CHECK (envelope_cents > 0),
    committed_cents bigint      NOT NULL DEFAULT 0,
    paid_cents      bigint      NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT budget_paid_not_negative CHECK (0 <= paid_cents),
    CONSTRAINT budget_paid_within_committed CHECK (paid_cents <= committed_cents),
    CONSTRAINT budget_committed_within_envelope CHECK (committed_cents <= envelope_cents)
);

CREATE TABLE commitments (
    -- calls/{call}/applications/{application}
    application       text        PRIMARY KEY,
    call              text        NOT NULL REFERENCES call_budgets (call),
    amount_cents      bigint      NOT NULL CHECK (amount_cents > 0),
    paid_cents        bigint      NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
    beneficiary_name  text        NOT NULL,
    beneficiary_siret text        NOT NULL DEFAULT '',
    beneficiary_iban  text        NOT NULL,
    beneficiary_bic   text        NOT NULL DEFAULT '',
    created_by        text        NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT commitment_paid_within_amount CHECK (paid_cents <= amount_cents)
);
CREATE INDEX commitments_call ON commitments (call);

CREATE TABLE payment_batches (
    id                       text        PRIMARY KEY,
    created_by               text        NOT NULL,
    state                    text        NOT NULL CHECK (state IN ('EXPORTED', 'CONFIRMED')),
    total_cents              bigint      NOT NULL CHECK (total_cents > 0),
    requested_execution_date date        NOT NULL,
    created_at               timestamptz NOT NULL,
    confirmed_at             timestamptz
);

CREATE TABLE tranches (
    id               text        PRIMARY KEY,
    application      text        NOT NULL REFERENCES commitments (application),
    sequence         integer     NOT NULL CHECK (sequence > 0),
    title            text        NOT NULL,
    due_date         date,
    amount_cents     bigint      NOT NULL CHECK (amount_cents > 0),
    state            text        NOT NULL CHECK (state IN ('PLANNED', 'REPORT_SUBMITTED', 'CERTIFIED', 'ORDERED',
                                                           'EXPORTED', 'PAID', 'REJECTED', 'CANCELLED')),
    certified_by     text,
    ordered_by       text,
    paid_by          text,
    batch            text REFERENCES payment_batches (id),
    rejection_reason text        NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    certified_at     timestamptz,
    ordered_at       timestamptz,
    paid_at          timestamptz,
    UNIQUE (application, sequence),
    -- Décret GBCP 2012-1246 art. 9: three different people certify, order and pay.
    CONSTRAINT separation_of_duties CHECK (
        (certified_by IS NULL OR ordered_by IS NULL OR certified_by <> ordered_by) AND
        (certified_by IS NULL OR paid_by IS NULL OR certified_by <> paid_by) AND
        (ordered_by IS NULL OR paid_by IS NULL OR ordered_by <> paid_by)),
    -- Each step of the life cycle has its actor.
    CONSTRAINT certified_has_certifier CHECK (
        state NOT IN ('CERTIFIED', 'ORDERED', 'EXPORTED', 'PAID') OR certified_by IS NOT NULL),
    CONSTRAINT ordered_has_orderer CHECK (state NOT IN ('ORDERED', 'EXPORTED', 'PAID') OR ordered_by IS NOT NULL),
    CONSTRAINT paid_has_payer CHECK ((state = 'PAID') = (paid_by IS NOT NULL)),
    CONSTRAINT exported_has_batch CHECK ((state IN ('EXPORTED', 'PAID')) = (batch IS NOT NULL))
);
CREATE INDEX tranches_batch ON tranches (batch) WHERE batch IS NOT NULL;

-- The content of each payment file and the bank's outcome per transfer. A tranche rejected by the
-- bank goes into a later batch, so it may appear in several batches, but it is settled as PAID in
-- at most one and awaits settlement in at most one.
CREATE TABLE batch_tranches (
    batch        text        NOT NULL REFERENCES payment_batches (id),
    tranche      text        NOT NULL REFERENCES tranches (id),
    position     integer     NOT NULL,
    amount_cents bigint      NOT NULL CHECK (amount_cents > 0),
    outcome      text CHECK (outcome IN ('PAID', 'REJECTED')),
    reason       text        NOT NULL DEFAULT '',
    settled_by   text,
    settled_at   timestamptz,
    PRIMARY KEY (batch, tranche),
    UNIQUE (batch, position),
    CHECK ((outcome IS NULL) = (settled_by IS NULL))
);
CREATE UNIQUE INDEX batch_tranches_paid_once ON batch_tranches (tranche) WHERE outcome = 'PAID';
CREATE UNIQUE INDEX batch_tranches_one_pending ON batch_tranches (tranche) WHERE outcome IS NULL;

-- Double-entry ledger. Accounts: appropriation:<call> (where the envelope comes from),
-- envelope:<call> (what is left to commit), commitment:<application> (committed, not yet paid),
-- paid:<application>. Transaction ids are derived from what they record (commit:<application>,
-- pay:<tranche>), so the unique key refuses to post the same event twice.
CREATE TABLE ledger_entries (
    id           bigserial   PRIMARY KEY,
    txn          text        NOT NULL,
    account      text        NOT NULL,
    amount_cents bigint      NOT NULL CHECK (amount_cents <> 0),
    created_at   timestamptz NOT NULL,
    UNIQUE (txn, account)
);
CREATE INDEX ledger_entries_account ON ledger_entries (account);

-- +goose StatementBegin
CREATE FUNCTION ledger_txn_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total numeric;
BEGIN
    SELECT sum(amount_cents) INTO total FROM ledger_entries WHERE txn = NEW.txn;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: % cents', NEW.txn, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- Checked at commit, when all the entries of the transaction are written.
CREATE CONSTRAINT TRIGGER ledger_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_txn_balanced();

-- +goose StatementBegin
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- +goose Down
DROP TABLE ledger_entries;
DROP FUNCTION ledger_append_only;
DROP FUNCTION ledger_txn_balanced;
DROP TABLE batch_tranches;
DROP TABLE tranches;
DROP TABLE payment_batches;
DROP TABLE commitments;
DROP TABLE call_budgets;
