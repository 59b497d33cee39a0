package domain

import (
	"errors"
	"testing"
)

func TestSeparateDuties(t *testing.T) {
	tests := []struct {
		name                      string
		certifier, orderer, payer string
		ok                        bool
	}{
		{"three people", "officer-1", "finance-1", "accountant-1", true},
		{"nobody yet", "", "", "", true},
		{"only certified", "officer-1", "", "", true},
		{"certifier orders", "alice", "alice", "", false},
		{"certifier pays", "alice", "finance-1", "alice", false},
		{"orderer pays", "officer-1", "bob", "bob", false},
		{"one person for all", "carol", "carol", "carol", false},
		{"empty names never clash", "", "", "accountant-1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := SeparateDuties(tt.certifier, tt.orderer, tt.payer)
			if (err == nil) != tt.ok {
				t.Fatalf("SeparateDuties(%q, %q, %q) = %v, want ok=%v", tt.certifier, tt.orderer, tt.payer, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrSeparationOfDuties) {
				t.Fatalf("error %v is not ErrSeparationOfDuties", err)
			}
		})
	}
}

func TestCertify(t *testing.T) {
	tests := []struct {
		name        string
		in          Tranche
		actor       string
		wantState   State
		wantChanged bool
		wantErr     error
	}{
		{"planned advance", Tranche{Sequence: 1, State: Planned}, "officer-1", Certified, true, nil},
		{"planned interim without its report", Tranche{Sequence: 2, State: Planned}, "officer-1", Planned, false, ErrWrongState},
		{"planned balance without its report", Tranche{Sequence: 5, State: Planned}, "officer-1", Planned, false, ErrWrongState},
		{"report submitted", Tranche{Sequence: 2, State: ReportSubmitted, Report: "r1"}, "officer-1", Certified, true, nil},
		{"advance with a report", Tranche{Sequence: 1, State: ReportSubmitted, Report: "r1"}, "officer-1", Certified, true, nil},
		{"repeat by the certifier", Tranche{State: Certified, CertifiedBy: "officer-1"}, "officer-1", Certified, false, nil},
		{"certified by another", Tranche{State: Certified, CertifiedBy: "officer-2"}, "officer-1", Certified, false, ErrWrongState},
		{"ordered", Tranche{State: Ordered, CertifiedBy: "officer-2", OrderedBy: "finance-1"}, "officer-1", Ordered, false, ErrWrongState},
		{"paid", Tranche{State: Paid}, "officer-1", Paid, false, ErrWrongState},
		{"cancelled", Tranche{State: Cancelled}, "officer-1", Cancelled, false, ErrWrongState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed, err := tt.in.Certify(tt.actor)
			checkTransition(t, got, changed, err, tt.wantState, tt.wantChanged, tt.wantErr)
			if tt.wantChanged && got.CertifiedBy != tt.actor {
				t.Fatalf("certified by %q, want %q", got.CertifiedBy, tt.actor)
			}
		})
	}
}

func TestSubmitReport(t *testing.T) {
	tests := []struct {
		name        string
		in          Tranche
		report      string
		wantState   State
		wantChanged bool
		wantErr     error
	}{
		{"planned", Tranche{Sequence: 2, State: Planned}, "r1", ReportSubmitted, true, nil},
		{"planned advance", Tranche{Sequence: 1, State: Planned}, "r1", ReportSubmitted, true, nil},
		{"retry", Tranche{Sequence: 2, State: ReportSubmitted, Report: "r1"}, "r1", ReportSubmitted, false, nil},
		{"corrected report before certification", Tranche{Sequence: 2, State: ReportSubmitted, Report: "r1"}, "r2", ReportSubmitted, true, nil},
		{"retry after certification", Tranche{Sequence: 2, State: Certified, Report: "r1", CertifiedBy: "officer-1"}, "r1", Certified, false, nil},
		{"another report after certification", Tranche{Sequence: 2, State: Certified, Report: "r1", CertifiedBy: "officer-1"}, "r2", Certified, false, ErrWrongState},
		{"advance certified on signature", Tranche{Sequence: 1, State: Certified, CertifiedBy: "officer-1"}, "r1", Certified, false, ErrWrongState},
		{"paid", Tranche{Sequence: 2, State: Paid, Report: "r1"}, "r2", Paid, false, ErrWrongState},
		{"cancelled", Tranche{Sequence: 2, State: Cancelled}, "r1", Cancelled, false, ErrWrongState},
		{"no report", Tranche{Sequence: 2, State: Planned}, "", Planned, false, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed, err := tt.in.SubmitReport(tt.report)
			checkTransition(t, got, changed, err, tt.wantState, tt.wantChanged, tt.wantErr)
			if err == nil && got.Report != tt.report {
				t.Fatalf("report %q, want %q", got.Report, tt.report)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name        string
		in          Tranche
		wantState   State
		wantChanged bool
		wantErr     error
	}{
		{"planned", Tranche{State: Planned}, Cancelled, true, nil},
		{"report submitted", Tranche{State: ReportSubmitted, Report: "r1"}, Cancelled, true, nil},
		{"certified", Tranche{State: Certified, CertifiedBy: "officer-1"}, Cancelled, true, nil},
		{"already cancelled", Tranche{State: Cancelled, CancelledBy: "officer-2", CancellationReason: "late"}, Cancelled, false, nil},
		{"ordered", Tranche{State: Ordered, CertifiedBy: "officer-1", OrderedBy: "finance-1"}, Ordered, false, ErrWrongState},
		{"exported", Tranche{State: Exported, Batch: "b1"}, Exported, false, ErrWrongState},
		{"paid", Tranche{State: Paid}, Paid, false, ErrWrongState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed, err := tt.in.Cancel("officer-1", "report 4 months late")
			checkTransition(t, got, changed, err, tt.wantState, tt.wantChanged, tt.wantErr)
			if changed && (got.CancelledBy != "officer-1" || got.CancellationReason != "report 4 months late") {
				t.Fatalf("cancelled tranche = %+v", got)
			}
			if err == nil && !changed && got != tt.in {
				t.Fatalf("a repeated cancellation changed %+v into %+v", tt.in, got)
			}
		})
	}
	if _, _, err := (Tranche{State: Planned}).Cancel("officer-1", ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a cancellation without a reason: %v", err)
	}
	for _, s := range States {
		if s == Rejected {
			continue // an event, never the state of a stored tranche
		}
		_, _, err := Tranche{State: s}.Cancel("officer-1", "late")
		if (err == nil) == s.Engaged() {
			t.Errorf("cancelling a %s tranche: %v; engaged money is never cancelled, other is", s, err)
		}
	}
}

func TestOrder(t *testing.T) {
	certified := Tranche{State: Certified, CertifiedBy: "officer-1"}
	tests := []struct {
		name        string
		in          Tranche
		actor       string
		wantState   State
		wantChanged bool
		wantErr     error
	}{
		{"certified", certified, "finance-1", Ordered, true, nil},
		{"certifier orders", certified, "officer-1", Certified, false, ErrSeparationOfDuties},
		{"planned", Tranche{State: Planned}, "finance-1", Planned, false, ErrWrongState},
		{"repeat by the orderer", Tranche{State: Ordered, CertifiedBy: "officer-1", OrderedBy: "finance-1"}, "finance-1", Ordered, false, nil},
		{"ordered by another", Tranche{State: Ordered, CertifiedBy: "officer-1", OrderedBy: "finance-2"}, "finance-1", Ordered, false, ErrWrongState},
		{"exported", Tranche{State: Exported, CertifiedBy: "officer-1", OrderedBy: "finance-1", Batch: "b"}, "finance-1", Exported, false, ErrWrongState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed, err := tt.in.Order(tt.actor)
			checkTransition(t, got, changed, err, tt.wantState, tt.wantChanged, tt.wantErr)
			if tt.wantChanged && got.OrderedBy != tt.actor {
				t.Fatalf("ordered by %q, want %q", got.OrderedBy, tt.actor)
			}
		})
	}
}

func TestExport(t *testing.T) {
	ordered := Tranche{State: Ordered, CertifiedBy: "officer-1", OrderedBy: "finance-1", RejectionReason: "AC04 closed account"}
	tests := []struct {
		name      string
		in        Tranche
		actor     string
		wantState State
		wantErr   error
	}{
		{"ordered", ordered, "accountant-1", Exported, nil},
		{"orderer exports", ordered, "finance-1", Ordered, ErrSeparationOfDuties},
		{"certifier exports", ordered, "officer-1", Ordered, ErrSeparationOfDuties},
		{"certified only", Tranche{State: Certified, CertifiedBy: "officer-1"}, "accountant-1", Certified, ErrWrongState},
		{"already exported", Tranche{State: Exported, CertifiedBy: "officer-1", OrderedBy: "finance-1", Batch: "a"}, "accountant-1", Exported, ErrWrongState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Export(tt.actor, "batch1")
			checkTransition(t, got, err == nil, err, tt.wantState, tt.wantErr == nil, tt.wantErr)
			if err == nil && (got.Batch != "batch1" || got.RejectionReason != "") {
				t.Fatalf("exported tranche = %+v, want batch1 and no former rejection reason", got)
			}
		})
	}
}

func TestPayAndReject(t *testing.T) {
	exported := Tranche{State: Exported, CertifiedBy: "officer-1", OrderedBy: "finance-1", Batch: "b1"}
	t.Run("pay", func(t *testing.T) {
		got, changed, err := exported.Pay("accountant-1", "b1")
		checkTransition(t, got, changed, err, Paid, true, nil)
		if got.PaidBy != "accountant-1" {
			t.Fatalf("paid by %q", got.PaidBy)
		}
		// Paid at most once: a repeat for the same batch changes nothing.
		again, changed, err := got.Pay("accountant-2", "b1")
		checkTransition(t, again, changed, err, Paid, false, nil)
		if again.PaidBy != "accountant-1" {
			t.Fatalf("a repeat changed the payer to %q", again.PaidBy)
		}
		// ... and it cannot be paid by another batch.
		_, _, err = got.Pay("accountant-1", "b2")
		if !errors.Is(err, ErrWrongState) {
			t.Fatalf("paying a paid tranche from another batch: %v", err)
		}
	})
	t.Run("payer is the orderer", func(t *testing.T) {
		_, _, err := exported.Pay("finance-1", "b1")
		if !errors.Is(err, ErrSeparationOfDuties) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("payer is the certifier", func(t *testing.T) {
		_, _, err := exported.Pay("officer-1", "b1")
		if !errors.Is(err, ErrSeparationOfDuties) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("other batch", func(t *testing.T) {
		_, _, err := exported.Pay("accountant-1", "b2")
		if !errors.Is(err, ErrWrongState) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("reject goes back to ordered", func(t *testing.T) {
		got, err := exported.Reject("b1", "AC04 closed account")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != Ordered || got.Batch != "" || got.RejectionReason != "AC04 closed account" || got.OrderedBy != "finance-1" {
			t.Fatalf("rejected tranche = %+v", got)
		}
		// It can then be exported again, by an accountant that is neither certifier nor orderer.
		if _, err := got.Export("accountant-1", "b2"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("reject needs a reason", func(t *testing.T) {
		if _, err := exported.Reject("b1", ""); !errors.Is(err, ErrInvalid) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("reject a paid tranche", func(t *testing.T) {
		paid := exported
		paid.State, paid.PaidBy = Paid, "accountant-1"
		if _, err := paid.Reject("b1", "late"); !errors.Is(err, ErrWrongState) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestEngaged(t *testing.T) {
	want := map[State]bool{Ordered: true, Exported: true, Paid: true}
	for _, s := range States {
		if s.Engaged() != want[s] {
			t.Errorf("%s.Engaged() = %v", s, s.Engaged())
		}
	}
}

func checkTransition(t *testing.T, got Tranche, changed bool, err error, wantState State, wantChanged bool, wantErr error) {
	t.Helper()
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			t.Fatalf("error = %v, want %v", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error %v", err)
	}
	if got.State != wantState || changed != wantChanged {
		t.Fatalf("state %s changed %v, want %s changed %v", got.State, changed, wantState, wantChanged)
	}
}
