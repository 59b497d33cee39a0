package domain

import "fmt"

// State is the state of a tranche.
type State string

// The tranche states of DOMAIN.md. A rejected payment is recorded as the event REJECTED, after
// which the tranche is ORDERED again (with its rejection reason) so that it can go into a new batch.
const (
	Planned         State = "PLANNED"
	ReportSubmitted State = "REPORT_SUBMITTED"
	Certified       State = "CERTIFIED"
	Ordered         State = "ORDERED"
	Exported        State = "EXPORTED"
	Paid            State = "PAID"
	Rejected        State = "REJECTED"
	Cancelled       State = "CANCELLED"
)

// States lists every state, in life-cycle order.
var States = []State{Planned, ReportSubmitted, Certified, Ordered, Exported, Paid, Rejected, Cancelled}

// Engaged reports whether money of a tranche in state s is on its way to the beneficiary or gone:
// it counts against the commitment when another tranche is ordered, and a decommitment cannot take
// it back.
func (s State) Engaged() bool { return s == Ordered || s == Exported || s == Paid }

// Tranche is what the rules need to know of a tranche. Empty strings mean "not yet".
type Tranche struct {
	ID string
	// Sequence is the tranche's place in the schedule, from 1: tranche 1 is the advance.
	Sequence    int32
	AmountCents int64
	State       State
	// Report is the milestone report filed for the tranche.
	Report      string
	CertifiedBy string
	OrderedBy   string
	PaidBy      string
	// Batch is the payment batch the tranche is exported in.
	Batch              string
	RejectionReason    string
	CancelledBy        string
	CancellationReason string
}

// IsAdvance reports whether t is the advance, paid on the signature of the agreement rather than on
// a milestone report.
func (t Tranche) IsAdvance() bool { return t.Sequence == 1 }

// SubmitReport records that the milestone report of t was filed: a PLANNED tranche becomes
// REPORT_SUBMITTED. changed is false when that report is already recorded, so that a retry changes
// nothing. Before certification a newer report replaces the former one (the applicant filed a
// corrected report, and the programme officer certifies on the latest); after it, the report on which
// the tranche was certified stays.
func (t Tranche) SubmitReport(report string) (next Tranche, changed bool, err error) {
	if report == "" {
		return t, false, fmt.Errorf("%w: the report is required", ErrInvalid)
	}
	if t.Report == report {
		return t, false, nil
	}
	switch t.State {
	case Planned, ReportSubmitted:
		t.State, t.Report = ReportSubmitted, report
		return t, true, nil
	case Cancelled:
		return t, false, fmt.Errorf("%w: the tranche is CANCELLED; its report is no longer expected", ErrWrongState)
	}
	return t, false, fmt.Errorf("%w: the tranche is %s; its report can no longer change", ErrWrongState, t.State)
}

// Cancel cancels a tranche whose payment is not yet ordered (decommitment). changed is false when
// it is already cancelled. A tranche whose payment is ordered, exported or paid cannot be cancelled:
// the order is a commitment to the beneficiary's bank, so its money is no longer the envelope's.
func (t Tranche) Cancel(actor, reason string) (next Tranche, changed bool, err error) {
	if reason == "" {
		return t, false, fmt.Errorf("%w: a cancellation needs a reason", ErrInvalid)
	}
	switch t.State {
	case Cancelled:
		return t, false, nil
	case Planned, ReportSubmitted, Certified:
		t.State, t.CancelledBy, t.CancellationReason = Cancelled, actor, reason
		return t, true, nil
	}
	return t, false, fmt.Errorf("%w: the tranche is %s; its payment is already ordered and cannot be cancelled", ErrWrongState, t.State)
}

// SeparateDuties checks that the certifier, the orderer and the payer of one tranche are three
// different people (décret GBCP 2012-1246 art. 9). Empty roles are not yet held and never clash.
func SeparateDuties(certifier, orderer, payer string) error {
	switch {
	case certifier != "" && certifier == orderer:
		return fmt.Errorf("%w: %s certified this tranche and may not order its payment", ErrSeparationOfDuties, certifier)
	case certifier != "" && certifier == payer:
		return fmt.Errorf("%w: %s certified this tranche and may not pay it", ErrSeparationOfDuties, certifier)
	case orderer != "" && orderer == payer:
		return fmt.Errorf("%w: %s ordered this tranche and may not pay it", ErrSeparationOfDuties, orderer)
	}
	return nil
}

// Certify records that the milestone of t is done ("service fait"): its report is submitted, or it
// is the advance, which is paid on signature and may be certified while PLANNED. changed is false
// when actor had already certified it, so that a repeated request changes nothing.
func (t Tranche) Certify(actor string) (next Tranche, changed bool, err error) {
	if t.State == Certified && t.CertifiedBy == actor {
		return t, false, nil
	}
	switch {
	case t.State == ReportSubmitted:
	case t.State == Planned && t.IsAdvance():
	case t.State == Planned:
		return t, false, fmt.Errorf("%w: the milestone report of tranche %d is not submitted yet; only the advance (tranche 1) is certified without one",
			ErrWrongState, t.Sequence)
	default:
		return t, false, fmt.Errorf("%w: the tranche is %s; only a REPORT_SUBMITTED tranche, or the PLANNED advance, can be certified", ErrWrongState, t.State)
	}
	if err := SeparateDuties(actor, t.OrderedBy, t.PaidBy); err != nil {
		return t, false, err
	}
	t.State, t.CertifiedBy = Certified, actor
	return t, true, nil
}

// Order orders the payment of a certified tranche. The orderer may not be the certifier.
func (t Tranche) Order(actor string) (next Tranche, changed bool, err error) {
	if t.State == Ordered && t.OrderedBy == actor {
		return t, false, nil
	}
	if t.State != Certified {
		return t, false, fmt.Errorf("%w: the tranche is %s; only a CERTIFIED tranche can be ordered", ErrWrongState, t.State)
	}
	if err := SeparateDuties(t.CertifiedBy, actor, ""); err != nil {
		return t, false, err
	}
	t.State, t.OrderedBy = Ordered, actor
	return t, true, nil
}

// Export puts an ordered tranche into a payment batch. The accountant exporting it will be its
// payer, so it may be neither its certifier nor its orderer.
func (t Tranche) Export(actor, batch string) (Tranche, error) {
	if t.State != Ordered {
		return t, fmt.Errorf("%w: the tranche is %s; only an ORDERED tranche can be put in a payment batch", ErrWrongState, t.State)
	}
	if err := SeparateDuties(t.CertifiedBy, t.OrderedBy, actor); err != nil {
		return t, err
	}
	t.State, t.Batch, t.RejectionReason = Exported, batch, ""
	return t, nil
}

// Pay records that the bank executed the transfer of t in batch. changed is false when the
// tranche is already paid by that batch: a tranche is paid at most once, whatever the retries.
func (t Tranche) Pay(actor, batch string) (next Tranche, changed bool, err error) {
	if t.State == Paid && t.Batch == batch {
		return t, false, nil
	}
	if t.State != Exported || t.Batch != batch {
		return t, false, fmt.Errorf("%w: the tranche is %s and not awaiting payment in this batch", ErrWrongState, t.State)
	}
	if err := SeparateDuties(t.CertifiedBy, t.OrderedBy, actor); err != nil {
		return t, false, err
	}
	t.State, t.PaidBy = Paid, actor
	return t, true, nil
}

// Reject records that the bank refused the transfer of t in batch: the tranche is ORDERED again,
// out of any batch, with the reason, ready for a new batch once the bank details are fixed.
func (t Tranche) Reject(batch, reason string) (Tranche, error) {
	if t.State != Exported || t.Batch != batch {
		return t, fmt.Errorf("%w: the tranche is %s and not awaiting payment in this batch", ErrWrongState, t.State)
	}
	if reason == "" {
		return t, fmt.Errorf("%w: a rejection needs a reason", ErrInvalid)
	}
	t.State, t.Batch, t.RejectionReason = Ordered, "", reason
	return t, nil
}
