// Package audit writes the append-only, hash-chained audit log that every service keeps in its
// schema (table audit_log), in the same transaction as the state change it records.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/guichet/guichet/platform/auth"
)

// Entry is one state change.
type Entry struct {
	At     time.Time
	Actor  string
	Role   string
	Action string
	// Object is the resource name of what changed.
	Object string
	Before any
	After  any
}

// FromPrincipal fills the actor and role of e from p.
func (e Entry) FromPrincipal(p auth.Principal) Entry {
	e.Actor, e.Role = p.Subject, string(p.Role)
	return e
}

// chainLock serialises appends to one schema's chain, so no two entries share a predecessor. The
// services share a database and advisory locks are the database's: the lock's second key is the
// schema's (hashtext(current_schema()), the schema the service's search_path names), so the
// chains of different services do not wait for one another.
const chainLock = 0x61756469 // "audi"

// Append writes e after the last entry of the chain, inside tx.
func Append(ctx context.Context, tx pgx.Tx, e Entry) error {
	return AppendAfter(ctx, tx, nil, e)
}

// AppendAfter sends the statements of the change e records, queued in change (nil: none), then
// writes e after the last entry of the chain, inside tx, all in one round trip.
//
// The chain's lock is held until the transaction ends, and every other change of the schema
// waits for it: the time it is held bounds the schema's audited changes per second. So it is
// taken last, by the statement before the entry's INSERT, in the same round trip: the INSERT reads
// the last hash and completes the entry's hash in PostgreSQL, and the lock is held from there
// only for the round trip back and the caller's COMMIT (before, also for a round trip to read
// the last hash and compute the hash here). The INSERT's snapshot (READ COMMITTED: one per
// statement) is taken once the lock is held, so it sees the entry of the previous holder,
// committed before its lock was released; in a transaction of another isolation level the entry
// is refused. The first error of the change's statements is returned as PostgreSQL gave it.
// Callers append as their last statement.
func AppendAfter(ctx context.Context, tx pgx.Tx, change *pgx.Batch, e Entry) error {
	before, err := marshal(e.Before)
	if err != nil {
		return err
	}
	after, err := marshal(e.After)
	if err != nil {
		return err
	}
	if change == nil {
		change = &pgx.Batch{}
	}
	at := e.At.UTC().Truncate(time.Microsecond)
	statements := change.Len()
	change.Queue(`SELECT pg_advisory_xact_lock($1::int4, hashtext(current_schema()))`, chainLock)
	// The hash is SHA-256 over the length-prefixed parts (see hash): the previous hash's part is
	// prefixed here, in SQL, to the bytes of the others, written by rest.
	change.Queue(`INSERT INTO audit_log (at, actor, role, action, object, before, after, prev_hash, hash)
		SELECT $1, $2, $3, $4, $5, $6, $7, p.hash,
			encode(sha256(convert_to(octet_length(p.hash) || ':' || p.hash, 'UTF8') || $8::bytea), 'hex')
		FROM (SELECT coalesce((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '') AS hash) AS p
		WHERE current_setting('transaction_isolation') = 'read committed'`,
		at, e.Actor, e.Role, e.Action, e.Object, before, after, rest(at, e.Actor, e.Role, e.Action, e.Object, before, after))
	results := tx.SendBatch(ctx, change)
	for range statements + 1 {
		if _, err := results.Exec(); err != nil {
			_ = results.Close()
			return err
		}
	}
	tag, err := results.Exec()
	if err != nil {
		_ = results.Close()
		return err
	}
	if err := results.Close(); err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		// A snapshot taken before the lock (REPEATABLE READ, SERIALIZABLE) would not see the
		// previous holder's entry and would fork the chain for good.
		return errors.New("audit: an entry is appended in a READ COMMITTED transaction only")
	}
	return nil
}

// marshal encodes v in its canonical form (see canonical), the form its hash is computed on.
func marshal(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return canonical(b), nil
}

// Hash is the chain's hash of one entry: SHA-256 over the previous hash and the entry's fields,
// each length-prefixed so that no two different entries hash alike.
func Hash(prev string, at time.Time, actor, role, action, object string, before, after []byte) string {
	return hash(prev, at, actor, role, action, object, canonical(before), canonical(after))
}

// hash is Hash of before and after already in canonical form.
func hash(prev string, at time.Time, actor, role, action, object string, before, after []byte) string {
	h := sha256.New()
	_, _ = h.Write(prefixed(nil, []byte(prev)))
	_, _ = h.Write(rest(at, actor, role, action, object, before, after))
	return hex.EncodeToString(h.Sum(nil))
}

// rest is what an entry's hash covers after the previous hash: each part prefixed by its length
// in bytes and a colon.
func rest(at time.Time, actor, role, action, object string, before, after []byte) []byte {
	var b []byte
	for _, part := range [][]byte{[]byte(at.UTC().Format(time.RFC3339Nano)), []byte(actor), []byte(role),
		[]byte(action), []byte(object), before, after} {
		b = prefixed(b, part)
	}
	return b
}

// prefixed appends part to b after its length and a colon.
func prefixed(b, part []byte) []byte {
	b = strconv.AppendInt(b, int64(len(part)), 10)
	b = append(b, ':')
	return append(b, part...)
}

// canonical re-encodes JSON so that PostgreSQL's jsonb normalisation (key order, spaces) does not
// change the hash between writing and verifying.
func canonical(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return b
	}
	out, err := json.Marshal(v)
	if err != nil {
		return b
	}
	return out
}

// Break is the first entry whose hash does not follow the chain.
type Break struct {
	Seq    int64
	Reason string
}

// Verify recomputes the chain of the audit_log visible through q and returns the first broken
// entry, or nil when the chain holds. count is the number of entries checked.
func Verify(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}) (brk *Break, count int64, err error) {
	rows, err := q.Query(ctx, `SELECT seq, at, actor, role, action, object, before, after, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	prev := ""
	for rows.Next() {
		var (
			seq                                   int64
			at                                    time.Time
			actor, role, action, object, ph, hash string
			before, after                         []byte
		)
		if err := rows.Scan(&seq, &at, &actor, &role, &action, &object, &before, &after, &ph, &hash); err != nil {
			return nil, count, err
		}
		count++
		if ph != prev {
			return &Break{Seq: seq, Reason: "prev_hash does not match the previous entry"}, count, nil
		}
		if want := Hash(prev, at, actor, role, action, object, before, after); want != hash {
			return &Break{Seq: seq, Reason: "content does not match its hash"}, count, nil
		}
		prev = hash
	}
	return nil, count, rows.Err()
}
