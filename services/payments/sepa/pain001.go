package sepa

import (
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/guichet/guichet/platform/bank"
	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/money"
	"github.com/guichet/guichet/services/payments/domain"
)

// Namespace is the XML namespace of pain.001.001.03.
const Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"

// The limits of the fields, from the schema and the EPC implementation guidelines.
const (
	MaxIDLen         = 35
	MaxNameLen       = 70
	MaxRemittanceLen = 140
	// MaxAmountCents is the largest amount of one SEPA credit transfer, 999,999,999.99 EUR.
	MaxAmountCents = 99_999_999_999
	// NotProvided stands for an unknown agent or an empty name, as the EPC guidelines allow.
	NotProvided = "NOTPROVIDED"
)

// Party is the debtor or a creditor of a transfer.
type Party struct {
	Name string
	IBAN string
	// BIC is optional: SEPA routes by IBAN.
	BIC string
}

// Transfer is one credit transfer of a batch.
type Transfer struct {
	// EndToEndID travels to the beneficiary's bank statement: the tranche id.
	EndToEndID  string
	AmountCents int64
	Creditor    Party
	// Remittance is the unstructured remittance information the beneficiary sees.
	Remittance string
}

// Batch is the content of one payment file: one debtor account, one execution date.
type Batch struct {
	MessageID     string
	CreatedAt     time.Time
	ExecutionDate time.Time
	Debtor        Party
	Transfers     []Transfer
}

// Build writes the pain.001.001.03 document of b. It refuses what a bank would reject instead of
// writing it: identifiers too long or outside the character set, non-positive or oversized amounts,
// malformed account identifiers. Free texts are transliterated and cut.
func Build(b Batch) ([]byte, error) {
	if len(b.Transfers) == 0 {
		return nil, errors.New("sepa: a payment file needs at least one transfer")
	}
	if err := checkID("message id", b.MessageID); err != nil {
		return nil, err
	}
	debtor, err := account("debtor", b.Debtor)
	if err != nil {
		return nil, err
	}
	var total int64
	txs := make([]CreditTransferTransaction, 0, len(b.Transfers))
	for i, t := range b.Transfers {
		if err := checkID(fmt.Sprintf("end-to-end id of transfer %d", i+1), t.EndToEndID); err != nil {
			return nil, err
		}
		if t.AmountCents <= 0 || t.AmountCents > MaxAmountCents {
			return nil, fmt.Errorf("sepa: transfer %s: amount %d cents is not between 0.01 and 999999999.99 EUR", t.EndToEndID, t.AmountCents)
		}
		if total > math.MaxInt64-t.AmountCents {
			return nil, errors.New("sepa: the control sum overflows")
		}
		total += t.AmountCents
		creditor, err := account("creditor of "+t.EndToEndID, t.Creditor)
		if err != nil {
			return nil, err
		}
		tx := CreditTransferTransaction{
			PmtID:    PaymentID{EndToEndID: t.EndToEndID},
			Amt:      Amount{InstdAmt: InstructedAmount{Ccy: "EUR", Value: money.Decimal(t.AmountCents)}},
			CdtrAgt:  agentOrNil(creditor.BIC),
			Cdtr:     PartyName{Nm: name(creditor.Name)},
			CdtrAcct: Account{ID: AccountID{IBAN: creditor.IBAN}},
		}
		if r := Text(t.Remittance, MaxRemittanceLen); r != "" {
			tx.RmtInf = &Remittance{Ustrd: r}
		}
		txs = append(txs, tx)
	}
	count := fmt.Sprint(len(txs))
	ctrlSum := money.Decimal(total)
	doc := Document{CstmrCdtTrfInitn: CustomerCreditTransferInitiation{
		GrpHdr: GroupHeader{
			MsgID:    b.MessageID,
			CreDtTm:  b.CreatedAt.In(clock.Paris).Format("2006-01-02T15:04:05"),
			NbOfTxs:  count,
			CtrlSum:  ctrlSum,
			InitgPty: PartyName{Nm: name(debtor.Name)},
		},
		PmtInf: PaymentInformation{
			PmtInfID:    b.MessageID,
			PmtMtd:      "TRF",
			BtchBookg:   true,
			NbOfTxs:     count,
			CtrlSum:     ctrlSum,
			PmtTpInf:    PaymentType{SvcLvl: ServiceLevel{Cd: "SEPA"}},
			ReqdExctnDt: b.ExecutionDate.Format(time.DateOnly),
			Dbtr:        PartyName{Nm: name(debtor.Name)},
			DbtrAcct:    Account{ID: AccountID{IBAN: debtor.IBAN}},
			DbtrAgt:     agent(debtor.BIC),
			ChrgBr:      "SLEV",
			CdtTrfTxInf: txs,
		},
	}}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sepa: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// Read parses a pain.001.001.03 document, for checks and tests.
func Read(data []byte) (*Document, error) {
	var doc Document
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("sepa: %w", err)
	}
	return &doc, nil
}

func checkID(what, id string) error {
	if id == "" || len(id) > MaxIDLen || !InCharset(id) || id[0] == '/' || id[len(id)-1] == '/' {
		return fmt.Errorf("sepa: %s %q must be 1 to %d characters of the SEPA set, not starting or ending with '/'", what, id, MaxIDLen)
	}
	return nil
}

func account(what string, p Party) (Party, error) {
	p.IBAN = bank.NormalizeIBAN(p.IBAN)
	if err := domain.CheckIBAN(p.IBAN); err != nil {
		return p, fmt.Errorf("sepa: %s: %w", what, err)
	}
	if p.BIC != "" {
		if err := domain.CheckBIC(p.BIC); err != nil {
			return p, fmt.Errorf("sepa: %s: %w", what, err)
		}
	}
	return p, nil
}

func name(s string) string {
	if n := Text(s, MaxNameLen); n != "" {
		return n
	}
	return NotProvided
}

func agent(bic string) Agent {
	if bic == "" {
		return Agent{FinInstnID: FinancialInstitution{Othr: &Other{ID: NotProvided}}}
	}
	return Agent{FinInstnID: FinancialInstitution{BIC: bic}}
}

func agentOrNil(bic string) *Agent {
	if bic == "" {
		return nil
	}
	a := agent(bic)
	return &a
}
