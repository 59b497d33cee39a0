// Package domain holds the rules of applications as plain functions without I/O: identities (SIRET,
// SIREN, RNA), bank accounts (IBAN, BIC), amounts and co-financing, the tranche schedule, the
// application's states and its content hash.
package domain
