package sepa

import "encoding/xml"

// Document is the part of pain.001.001.03 that guichet writes. Field order follows the schema's
// sequences, which encoding/xml keeps.
type Document struct {
	XMLName          xml.Name                         `xml:"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03 Document"`
	CstmrCdtTrfInitn CustomerCreditTransferInitiation `xml:"CstmrCdtTrfInitn"`
}

// CustomerCreditTransferInitiation is the message: a group header and one payment information block.
type CustomerCreditTransferInitiation struct {
	GrpHdr GroupHeader        `xml:"GrpHdr"`
	PmtInf PaymentInformation `xml:"PmtInf"`
}

// GroupHeader identifies the message and totals it.
type GroupHeader struct {
	MsgID    string    `xml:"MsgId"`
	CreDtTm  string    `xml:"CreDtTm"`
	NbOfTxs  string    `xml:"NbOfTxs"`
	CtrlSum  string    `xml:"CtrlSum"`
	InitgPty PartyName `xml:"InitgPty"`
}

// PaymentInformation is the debtor side shared by the transfers.
type PaymentInformation struct {
	PmtInfID    string                      `xml:"PmtInfId"`
	PmtMtd      string                      `xml:"PmtMtd"`
	BtchBookg   bool                        `xml:"BtchBookg"`
	NbOfTxs     string                      `xml:"NbOfTxs"`
	CtrlSum     string                      `xml:"CtrlSum"`
	PmtTpInf    PaymentType                 `xml:"PmtTpInf"`
	ReqdExctnDt string                      `xml:"ReqdExctnDt"`
	Dbtr        PartyName                   `xml:"Dbtr"`
	DbtrAcct    Account                     `xml:"DbtrAcct"`
	DbtrAgt     Agent                       `xml:"DbtrAgt"`
	ChrgBr      string                      `xml:"ChrgBr"`
	CdtTrfTxInf []CreditTransferTransaction `xml:"CdtTrfTxInf"`
}

// PaymentType says the transfers follow the SEPA scheme.
type PaymentType struct {
	SvcLvl ServiceLevel `xml:"SvcLvl"`
}

// ServiceLevel is a service level code.
type ServiceLevel struct {
	Cd string `xml:"Cd"`
}

// PartyName is a party known by its name.
type PartyName struct {
	Nm string `xml:"Nm"`
}

// Account is a cash account known by its IBAN.
type Account struct {
	ID AccountID `xml:"Id"`
}

// AccountID holds the IBAN.
type AccountID struct {
	IBAN string `xml:"IBAN"`
}

// Agent is a bank.
type Agent struct {
	FinInstnID FinancialInstitution `xml:"FinInstnId"`
}

// FinancialInstitution is a bank known by its BIC, or by NOTPROVIDED.
type FinancialInstitution struct {
	BIC  string `xml:"BIC,omitempty"`
	Othr *Other `xml:"Othr,omitempty"`
}

// Other is another identification.
type Other struct {
	ID string `xml:"Id"`
}

// CreditTransferTransaction is one transfer to one beneficiary.
type CreditTransferTransaction struct {
	PmtID    PaymentID   `xml:"PmtId"`
	Amt      Amount      `xml:"Amt"`
	CdtrAgt  *Agent      `xml:"CdtrAgt,omitempty"`
	Cdtr     PartyName   `xml:"Cdtr"`
	CdtrAcct Account     `xml:"CdtrAcct"`
	RmtInf   *Remittance `xml:"RmtInf,omitempty"`
}

// PaymentID identifies a transfer end to end.
type PaymentID struct {
	EndToEndID string `xml:"EndToEndId"`
}

// Amount is the instructed amount.
type Amount struct {
	InstdAmt InstructedAmount `xml:"InstdAmt"`
}

// InstructedAmount is an amount in a currency, euros here.
type InstructedAmount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

// Remittance is the text the beneficiary reads.
type Remittance struct {
	Ustrd string `xml:"Ustrd"`
}
