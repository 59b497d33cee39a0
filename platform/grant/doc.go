// Package grant holds the rules of a grant's tranche schedule that both the applications service
// (an application's milestones, against the requested amount) and the payments service (a
// committed grant's tranches, against its amount) apply. DOMAIN.md, "Funding and payments": the
// tranches sum exactly to the amount; the advance (the first tranche) is at most 30% of it; the
// advance and the interim tranches (all but the last) together at most 80%, the balance (the last,
// paid once the final report is accepted) being the rest; a call may set other limits, 0 meaning
// the default.
//
// The package says which rule is broken and where, never how: each service names the field of its
// own request and keeps its own words.
package grant
