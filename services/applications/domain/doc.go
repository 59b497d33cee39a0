// Package domain holds the rules of applications as plain functions without I/O: identities (SIRET,
// SIREN, RNA), bank accounts (IBAN, BIC), contact email, public datasets, amounts and co-financing,
// the tranche schedule and its limits (advance, interim, balance, due dates), the application's
// states and its content hash. Each rule names the field it concerns by its JSON path.
package domain
