-- Issue 6: the schedule limits of each call, milestone reports, decommitment, corrections of the
-- beneficiary's account, and what each payment file was made with. As in 00100, every invariant the
-- code applies is also a constraint here, so that a bug or a race in one is stopped by the other.

-- +goose Up

-- The ceilings of a grant's schedule in this call (DOMAIN.md: advance ≤ 30%, advance + interim ≤ 80%
-- before the final report, both configurable per call).
ALTER TABLE call_budgets
    ADD COLUMN advance_max_percent integer NOT NULL DEFAULT 30,
    ADD COLUMN interim_max_percent integer NOT NULL DEFAULT 80,
    ADD CONSTRAINT budget_schedule_limits CHECK (
        0 < advance_max_percent AND advance_max_percent <= interim_max_percent AND interim_max_percent <= 100);

-- A commitment is the agreement's amount less what a decommitment cancelled. ordered_cents is the sum
-- of its tranches whose payment is ordered, exported or paid, so that the database itself holds
-- "per project Σ payments ≤ commitment" at the moment a payment is ordered, not only once it is paid.
ALTER TABLE commitments
    ADD COLUMN agreement_cents     bigint,
    ADD COLUMN ordered_cents       bigint NOT NULL DEFAULT 0,
    ADD COLUMN cancelled_cents     bigint NOT NULL DEFAULT 0,
    ADD COLUMN cancelled_by        text,
    ADD COLUMN cancellation_reason text   NOT NULL DEFAULT '',
    ADD COLUMN cancelled_at        timestamptz,
    -- The account payment files use is beneficiary_iban/bic; a correction waits in pending_* until a
    -- finance officer approves it.
    ADD COLUMN account_requested_by text,
    ADD COLUMN account_requested_at timestamptz,
    ADD COLUMN account_approved_by  text,
    ADD COLUMN account_approved_at  timestamptz,
    ADD COLUMN pending_iban         text,
    ADD COLUMN pending_bic          text,
    ADD COLUMN pending_requested_by text,
    ADD COLUMN pending_requested_at timestamptz;
UPDATE commitments SET agreement_cents = amount_cents, account_requested_by = created_by, account_requested_at = created_at;
UPDATE commitments c SET ordered_cents = (SELECT COALESCE(sum(t.amount_cents), 0) FROM tranches t
    WHERE t.application = c.application AND t.state IN ('ORDERED', 'EXPORTED', 'PAID'));
ALTER TABLE commitments
    ALTER COLUMN agreement_cents SET NOT NULL,
    ALTER COLUMN account_requested_by SET NOT NULL,
    ALTER COLUMN account_requested_at SET NOT NULL,
    -- A decommitment may cancel every tranche, leaving nothing committed.
    DROP CONSTRAINT commitments_amount_cents_check,
    ADD CONSTRAINT commitment_agreement_positive CHECK (agreement_cents > 0),
    ADD CONSTRAINT commitment_decommitment CHECK (
        amount_cents >= 0 AND cancelled_cents >= 0 AND amount_cents + cancelled_cents = agreement_cents),
    ADD CONSTRAINT commitment_decommitment_recorded CHECK (
        (cancelled_by IS NULL) = (cancelled_at IS NULL) AND (cancelled_cents = 0 OR cancelled_by IS NOT NULL)),
    ADD CONSTRAINT commitment_ordered_within_amount CHECK (paid_cents <= ordered_cents AND ordered_cents <= amount_cents),
    ADD CONSTRAINT commitment_account_approval CHECK ((account_approved_by IS NULL) = (account_approved_at IS NULL)),
    ADD CONSTRAINT commitment_pending_account CHECK (
        (pending_iban IS NULL) = (pending_requested_at IS NULL) AND (pending_iban IS NULL) = (pending_requested_by IS NULL)
        AND (pending_iban IS NULL) = (pending_bic IS NULL));

ALTER TABLE tranches
    ADD COLUMN report              text,
    ADD COLUMN report_submitted_at timestamptz,
    ADD COLUMN cancelled_by        text,
    ADD COLUMN cancellation_reason text NOT NULL DEFAULT '',
    ADD COLUMN cancelled_at        timestamptz,
    ADD CONSTRAINT report_submitted_has_report CHECK ((report IS NULL) = (report_submitted_at IS NULL)
        AND (state <> 'REPORT_SUBMITTED' OR report IS NOT NULL)),
    ADD CONSTRAINT cancelled_has_canceller CHECK ((state = 'CANCELLED') = (cancelled_by IS NOT NULL)
        AND (cancelled_by IS NULL) = (cancelled_at IS NULL)),
    -- An ordered payment is a promise to the beneficiary's bank: a decommitment cannot take it back.
    ADD CONSTRAINT cancelled_never_ordered CHECK (state <> 'CANCELLED' OR ordered_by IS NULL);
-- Only the advance (tranche 1) is paid on signature; every other tranche is certified on its
-- milestone report. Tranches certified before reports were recorded here keep their certification,
-- marked as such rather than given a report nobody filed.
UPDATE tranches SET report = 'certified-before-reports-were-recorded', report_submitted_at = certified_at
    WHERE certified_by IS NOT NULL AND sequence > 1 AND report IS NULL;
ALTER TABLE tranches ADD CONSTRAINT certified_on_report CHECK (certified_by IS NULL OR sequence = 1 OR report IS NOT NULL);

-- A payment file is made once and may be downloaded again: it keeps the creditor's account of the
-- day it was made, even if a correction is approved later.
ALTER TABLE batch_tranches
    ADD COLUMN creditor_name text,
    ADD COLUMN creditor_iban text,
    ADD COLUMN creditor_bic  text;
UPDATE batch_tranches bt SET creditor_name = c.beneficiary_name, creditor_iban = c.beneficiary_iban, creditor_bic = c.beneficiary_bic
    FROM tranches t JOIN commitments c ON c.application = t.application WHERE t.id = bt.tranche;
ALTER TABLE batch_tranches
    ALTER COLUMN creditor_name SET NOT NULL,
    ALTER COLUMN creditor_iban SET NOT NULL,
    ALTER COLUMN creditor_bic SET NOT NULL;

-- +goose Down
ALTER TABLE batch_tranches DROP COLUMN creditor_name, DROP COLUMN creditor_iban, DROP COLUMN creditor_bic;
ALTER TABLE tranches
    DROP CONSTRAINT certified_on_report,
    DROP CONSTRAINT cancelled_never_ordered,
    DROP CONSTRAINT cancelled_has_canceller,
    DROP CONSTRAINT report_submitted_has_report,
    DROP COLUMN cancelled_at, DROP COLUMN cancellation_reason, DROP COLUMN cancelled_by,
    DROP COLUMN report_submitted_at, DROP COLUMN report;
ALTER TABLE commitments
    DROP CONSTRAINT commitment_pending_account,
    DROP CONSTRAINT commitment_account_approval,
    DROP CONSTRAINT commitment_ordered_within_amount,
    DROP CONSTRAINT commitment_decommitment_recorded,
    DROP CONSTRAINT commitment_decommitment,
    DROP CONSTRAINT commitment_agreement_positive,
    ADD CONSTRAINT commitments_amount_cents_check CHECK (amount_cents > 0),
    DROP COLUMN pending_requested_at, DROP COLUMN pending_requested_by, DROP COLUMN pending_bic, DROP COLUMN pending_iban,
    DROP COLUMN account_approved_at, DROP COLUMN account_approved_by, DROP COLUMN account_requested_at,
    DROP COLUMN account_requested_by, DROP COLUMN cancelled_at, DROP COLUMN cancellation_reason, DROP COLUMN cancelled_by,
    DROP COLUMN cancelled_cents, DROP COLUMN ordered_cents, DROP COLUMN agreement_cents;
ALTER TABLE call_budgets
    DROP CONSTRAINT budget_schedule_limits,
    DROP COLUMN interim_max_percent,
    DROP COLUMN advance_max_percent;
