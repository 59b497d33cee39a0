// Package paintest checks payment files in tests: against the pain.001.001.03 schema with xmllint
// (a test that asks for it fails when xmllint is missing: a skipped schema check would let an
// invalid file pass), and against the rules the schema cannot express.
package paintest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/guichet/guichet/platform/money"
	"github.com/guichet/guichet/services/payments/domain"
	"github.com/guichet/guichet/services/payments/sepa"
)

// Schema returns the path of testdata/pain.001.001.03.xsd of the payments module.
func Schema(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("paintest: cannot locate the module")
	}
	path := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "pain.001.001.03.xsd")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("paintest: schema: %v", err)
	}
	return path
}

// Validate writes doc to a file and checks it against the schema, failing the test with
// xmllint's messages when it is not valid.
func Validate(t testing.TB, doc []byte) {
	t.Helper()
	if err := Check(t, doc); err != nil {
		t.Fatal(err)
	}
}

// Check is Validate returning the refusal instead of failing, for tests that expect one.
func Check(t testing.TB, doc []byte) error {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatalf("xmllint is required to validate payment files (Debian package libxml2-utils): %v", err)
	}
	file := filepath.Join(t.TempDir(), "pain001.xml")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", Schema(t), file).CombinedOutput()
	if err != nil {
		return &Invalid{Output: string(out), Err: err}
	}
	return nil
}

// Invalid is a file the schema refuses.
type Invalid struct {
	Output string
	Err    error
}

func (e *Invalid) Error() string {
	return "payment file is not valid against pain.001.001.03: " + e.Err.Error() + "\n" + e.Output
}

// CheckRules checks the rules of a payment file that the schema cannot express: the counts and
// control sums match the transfers, every amount is in euros, every text is in the SEPA set.
func CheckRules(t testing.TB, doc *sepa.Document) (sumCents int64) {
	t.Helper()
	m := doc.CstmrCdtTrfInitn
	var sum int64
	for _, tx := range m.PmtInf.CdtTrfTxInf {
		if tx.Amt.InstdAmt.Ccy != "EUR" {
			t.Errorf("transfer %s in %s", tx.PmtID.EndToEndID, tx.Amt.InstdAmt.Ccy)
		}
		cents, err := domain.ParseEuros(tx.Amt.InstdAmt.Value)
		if err != nil {
			t.Errorf("transfer %s: %v", tx.PmtID.EndToEndID, err)
		}
		sum += cents
		texts := []string{tx.PmtID.EndToEndID, tx.Cdtr.Nm}
		if tx.RmtInf != nil {
			texts = append(texts, tx.RmtInf.Ustrd)
		}
		for _, s := range texts {
			if !sepa.InCharset(s) {
				t.Errorf("%q is outside the SEPA character set", s)
			}
		}
		if len(tx.PmtID.EndToEndID) > sepa.MaxIDLen || len(tx.Cdtr.Nm) > sepa.MaxNameLen {
			t.Errorf("transfer %s: a field is too long", tx.PmtID.EndToEndID)
		}
	}
	n := strconv.Itoa(len(m.PmtInf.CdtTrfTxInf))
	if m.GrpHdr.NbOfTxs != n || m.PmtInf.NbOfTxs != n {
		t.Errorf("NbOfTxs %s / %s, but %s transfers", m.GrpHdr.NbOfTxs, m.PmtInf.NbOfTxs, n)
	}
	if want := money.Decimal(sum); m.GrpHdr.CtrlSum != want || m.PmtInf.CtrlSum != want {
		t.Errorf("CtrlSum %s / %s, but the transfers sum to %s", m.GrpHdr.CtrlSum, m.PmtInf.CtrlSum, want)
	}
	for _, s := range []string{m.GrpHdr.MsgID, m.GrpHdr.InitgPty.Nm, m.PmtInf.PmtInfID, m.PmtInf.Dbtr.Nm} {
		if !sepa.InCharset(s) {
			t.Errorf("%q is outside the SEPA character set", s)
		}
	}
	return sum
}
