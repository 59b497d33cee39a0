// Package domain holds the payment rules of DOMAIN.md ("Funding and payments") as plain functions
// without I/O: the tranche life cycle (milestone report, certification, order, export, payment,
// cancellation by decommitment) and its separation of duties, the tranche schedule and the call's
// limits on it, the envelope and commitment ceilings, euro amounts in cents, bank identifiers and
// the SEPA calendar. The service applies them inside its transactions; the database holds the same
// invariants as constraints, so a bug in one is caught by the other.
package domain
