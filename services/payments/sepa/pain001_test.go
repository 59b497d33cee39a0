package sepa_test

import (
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/services/payments/internal/paintest"
	. "github.com/guichet/guichet/services/payments/sepa"
)

func sample() Batch {
	return Batch{
		MessageID:     "k3mxq4w2b7pz5n6a",
		CreatedAt:     time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC),
		ExecutionDate: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		Debtor:        Party{Name: "DINUM", IBAN: "FR7630006000011234567890189", BIC: "BDFEFRPPCCT"},
		Transfers: []Transfer{
			{EndToEndID: "aaaaaaaaaaaaaaaa", AmountCents: 30_000_00, Creditor: Party{Name: "Société Coopérative d'Études & Données Publiques — Île-de-France, très longue raison sociale",
				IBAN: "FR14 2004 1010 0505 0001 3M02 606", BIC: "PSSTFRPPPAR"}, Remittance: "Subvention tranche 1 Avance à la signature"},
			{EndToEndID: "bbbbbbbbbbbbbbbb", AmountCents: 1, Creditor: Party{Name: "Œuvre Ça", IBAN: "DE89370400440532013000"}, Remittance: strings.Repeat("Étape ", 40)},
			{EndToEndID: "cccccccccccccccc", AmountCents: 999_999_999_99, Creditor: Party{Name: "数据", IBAN: "FR7630006000011234567890189"}},
		},
	}
}

func TestBuildIsValidAgainstTheSchema(t *testing.T) {
	data, err := Build(sample())
	if err != nil {
		t.Fatal(err)
	}
	paintest.Validate(t, data)
}

func TestBuildWithoutDebtorBIC(t *testing.T) {
	b := sample()
	b.Debtor.BIC = ""
	data, err := Build(b)
	if err != nil {
		t.Fatal(err)
	}
	paintest.Validate(t, data)
	doc, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if o := doc.CstmrCdtTrfInitn.PmtInf.DbtrAgt.FinInstnID.Othr; o == nil || o.ID != NotProvided {
		t.Fatalf("debtor agent without BIC = %+v, want Othr/Id NOTPROVIDED", doc.CstmrCdtTrfInitn.PmtInf.DbtrAgt)
	}
}

// TestSchemaCatchesBreakage makes sure the schema check can fail, so that the tests relying on it
// mean something.
func TestSchemaCatchesBreakage(t *testing.T) {
	data, err := Build(sample())
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), "<ChrgBr>SLEV</ChrgBr>", "<ChrgBr>ANY</ChrgBr>", 1)
	if err := paintest.Check(t, []byte(broken)); err == nil {
		t.Fatal("the schema accepted a charge bearer that does not exist")
	}
}

// TestBuildRulesTheSchemaCannotCheck checks the totals, the currency and the character set.
func TestBuildRulesTheSchemaCannotCheck(t *testing.T) {
	b := sample()
	data, err := Build(b)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	paintest.CheckRules(t, doc)
	m := doc.CstmrCdtTrfInitn
	if m.GrpHdr.NbOfTxs != "3" || m.GrpHdr.CtrlSum != "1000030000.00" {
		t.Fatalf("group header totals %s / %s", m.GrpHdr.NbOfTxs, m.GrpHdr.CtrlSum)
	}
	if m.GrpHdr.CreDtTm != "2026-11-27T17:30:00" {
		t.Fatalf("CreDtTm = %s, want the Paris time of creation", m.GrpHdr.CreDtTm)
	}
	if m.PmtInf.ReqdExctnDt != "2026-11-30" || m.PmtInf.PmtMtd != "TRF" || m.PmtInf.ChrgBr != "SLEV" ||
		m.PmtInf.PmtTpInf.SvcLvl.Cd != "SEPA" || !m.PmtInf.BtchBookg {
		t.Fatalf("payment information = %+v", m.PmtInf)
	}
	tx := m.PmtInf.CdtTrfTxInf
	if tx[0].Cdtr.Nm != Text("Société Coopérative d'Études & Données Publiques — Île-de-France, très longue raison sociale", 70) ||
		len(tx[0].Cdtr.Nm) != 70 || !strings.HasPrefix(tx[0].Cdtr.Nm, "Societe Cooperative d'Etudes + Donnees Publiques - Ile-de-France") {
		t.Fatalf("creditor name %q", tx[0].Cdtr.Nm)
	}
	if tx[0].CdtrAcct.ID.IBAN != "FR1420041010050500013M02606" || tx[0].CdtrAgt == nil || tx[0].CdtrAgt.FinInstnID.BIC != "PSSTFRPPPAR" {
		t.Fatalf("creditor account %+v agent %+v", tx[0].CdtrAcct, tx[0].CdtrAgt)
	}
	if tx[1].CdtrAgt != nil {
		t.Fatalf("a creditor without BIC got an agent: %+v", tx[1].CdtrAgt)
	}
	if tx[1].Amt.InstdAmt.Value != "0.01" || tx[2].Amt.InstdAmt.Value != "999999999.99" {
		t.Fatalf("amounts %s, %s", tx[1].Amt.InstdAmt.Value, tx[2].Amt.InstdAmt.Value)
	}
	if tx[2].Cdtr.Nm != NotProvided || tx[2].RmtInf != nil {
		t.Fatalf("a name with no Latin letters = %q, remittance %+v", tx[2].Cdtr.Nm, tx[2].RmtInf)
	}
	if len(tx[1].RmtInf.Ustrd) > MaxRemittanceLen {
		t.Fatalf("remittance of %d characters", len(tx[1].RmtInf.Ustrd))
	}
}

func TestBuildRefuses(t *testing.T) {
	tests := map[string]func(*Batch){
		"no transfer":          func(b *Batch) { b.Transfers = nil },
		"long message id":      func(b *Batch) { b.MessageID = strings.Repeat("a", 36) },
		"message id charset":   func(b *Batch) { b.MessageID = "lot_1" },
		"end-to-end id slash":  func(b *Batch) { b.Transfers[0].EndToEndID = "/abc" },
		"long end-to-end id":   func(b *Batch) { b.Transfers[0].EndToEndID = strings.Repeat("a", 36) },
		"zero amount":          func(b *Batch) { b.Transfers[0].AmountCents = 0 },
		"negative amount":      func(b *Batch) { b.Transfers[0].AmountCents = -100 },
		"amount above the cap": func(b *Batch) { b.Transfers[2].AmountCents = MaxAmountCents + 1 },
		"creditor IBAN":        func(b *Batch) { b.Transfers[0].Creditor.IBAN = "FR7630006000011234567890188" },
		"creditor BIC":         func(b *Batch) { b.Transfers[0].Creditor.BIC = "BNP" },
		"debtor IBAN":          func(b *Batch) { b.Debtor.IBAN = "" },
	}
	for name, breakIt := range tests {
		t.Run(name, func(t *testing.T) {
			b := sample()
			breakIt(&b)
			if _, err := Build(b); err == nil {
				t.Fatal("Build accepted a batch a bank would reject")
			}
		})
	}
}
