package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	idempotencyHeader = "Idempotency-Key"
	replayedHeader    = "Idempotency-Replayed"
	maxIdempotencyKey = 255
	// idempotencyLease bounds how long a key stays in flight when a gateway dies mid-request, after
	// which the client may retry with the same key. Requests are expected to finish well within it.
	idempotencyLease = 2 * time.Minute
)

const (
	stateInFlight = "in_flight"
	stateDone     = "done"
)

// storedHeaders are the response headers a replay repeats.
var storedHeaders = []string{"Content-Type", "Location"}

// idempotencyRecord is the value of an idempotency key in Redis.
type idempotencyRecord struct {
	State       string `json:"state"`
	Fingerprint string `json:"fingerprint"`
	// Lease identifies the request holding an in-flight mark, so that only it may replace or
	// release the mark (a later request may own the key once the lease has expired).
	Lease  string            `json:"lease,omitempty"`
	Status int               `json:"status,omitempty"`
	Header map[string]string `json:"header,omitempty"`
	Body   []byte            `json:"body,omitempty"`
}

// idempotency implements API.md's Idempotency-Key on POST: the same key and body returns the first
// response, another body is 422, a duplicate still in flight is 409. Keys are scoped by caller, so
// two callers choosing the same key never see each other's responses.
type idempotency struct {
	rdb    *redis.Client
	ttl    time.Duration
	lease  time.Duration
	prefix string
	logger *slog.Logger
}

func newIdempotency(rdb *redis.Client, ttl time.Duration, logger *slog.Logger) *idempotency {
	return &idempotency{rdb: rdb, ttl: ttl, lease: min(ttl, idempotencyLease), prefix: "guichet:gateway:idempotency:", logger: logger}
}

// finishScript replaces our in-flight mark by the stored response, and releaseScript deletes it,
// each only while the mark is still ours.
var (
	finishScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return false`)
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)
)

// fingerprint identifies a request by method, path (with query) and body. Each part is length
// prefixed, so that no two different requests share the byte stream that is hashed.
func fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(method), []byte(path), body} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (i *idempotency) redisKey(scope, key string) string {
	sum := sha256.Sum256([]byte(scope + "\x00" + key))
	return i.prefix + hex.EncodeToString(sum[:])
}

func idempotencyProblem(status int, slug, title, detail string) Problem {
	return Problem{Type: problemBase + slug, Title: title, Status: status, Detail: detail}
}

func (i *idempotency) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(idempotencyHeader)
		if r.Method != http.MethodPost || key == "" {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > maxIdempotencyKey {
			p := idempotencyProblem(http.StatusBadRequest, "invalid-argument", "Invalid argument",
				"the Idempotency-Key header is longer than "+strconv.Itoa(maxIdempotencyKey)+" characters")
			p.Violations = []Violation{{Field: idempotencyHeader, Description: "at most " + strconv.Itoa(maxIdempotencyKey) + " characters"}}
			writeProblem(w, p)
			return
		}
		body, err := readBody(r)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeProblem(w, tooLarge())
				return
			}
			writeProblem(w, httpProblem(http.StatusBadRequest, "the request body could not be read"))
			return
		}
		i.serve(w, r, next, i.redisKey(callerScope(r), key), fingerprint(r.Method, r.URL.RequestURI(), body))
	})
}

// readBody reads the body and puts an identical one back for the next handler.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

func (i *idempotency) serve(w http.ResponseWriter, r *http.Request, next http.Handler, rkey, fp string) {
	ctx := r.Context()
	mark, err := json.Marshal(idempotencyRecord{State: stateInFlight, Fingerprint: fp, Lease: rand.Text()})
	if err != nil {
		i.unavailable(ctx, w, err)
		return
	}
	// Two rounds: the key may expire between a failed SET NX and the GET that follows.
	for range 2 {
		won, err := i.rdb.SetNX(ctx, rkey, mark, i.lease).Result()
		if err != nil {
			i.unavailable(ctx, w, err)
			return
		}
		if won {
			i.run(w, r, next, rkey, fp, string(mark))
			return
		}
		raw, err := i.rdb.Get(ctx, rkey).Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			i.unavailable(ctx, w, err)
			return
		}
		var rec idempotencyRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			i.unavailable(ctx, w, err)
			return
		}
		switch {
		case rec.Fingerprint != fp:
			writeProblem(w, idempotencyProblem(http.StatusUnprocessableEntity, "idempotency-key-reused", "Idempotency key reused",
				"this Idempotency-Key was used for another request (method, path or body); use a new key"))
		case rec.State != stateDone:
			writeProblem(w, idempotencyProblem(http.StatusConflict, "idempotency-key-in-flight", "Request in progress",
				"a request with this Idempotency-Key is still being processed; retry later"))
		default:
			replay(w, rec)
		}
		return
	}
	writeProblem(w, idempotencyProblem(http.StatusConflict, "idempotency-key-in-flight", "Request in progress",
		"a request with this Idempotency-Key is changing state; retry later"))
}

// run executes the request that holds the in-flight mark, then stores its response, or releases
// the key when it failed on the server's side (5xx), so that the client may retry with it.
func (i *idempotency) run(w http.ResponseWriter, r *http.Request, next http.Handler, rkey, fp, mark string) {
	// The outcome must reach Redis even when the client has gone.
	ctx := context.WithoutCancel(r.Context())
	rec := &responseRecorder{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			i.release(ctx, rkey, mark)
			panic(p)
		}
	}()
	next.ServeHTTP(rec, r)
	status := rec.statusCode()
	if status >= 500 {
		i.release(ctx, rkey, mark)
		return
	}
	stored := idempotencyRecord{State: stateDone, Fingerprint: fp, Status: status, Header: map[string]string{}, Body: rec.body.Bytes()}
	for _, h := range storedHeaders {
		if v := w.Header().Get(h); v != "" {
			stored.Header[h] = v
		}
	}
	data, err := json.Marshal(stored)
	if err != nil {
		i.release(ctx, rkey, mark)
		return
	}
	err = finishScript.Run(ctx, i.rdb, []string{rkey}, mark, data, i.ttl.Milliseconds()).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		i.logger.WarnContext(ctx, "idempotent response not stored", "error", err)
	}
}

func (i *idempotency) release(ctx context.Context, rkey, mark string) {
	if err := releaseScript.Run(ctx, i.rdb, []string{rkey}, mark).Err(); err != nil && !errors.Is(err, redis.Nil) {
		i.logger.WarnContext(ctx, "idempotency key not released", "error", err)
	}
}

// unavailable refuses the request: without the store the gateway cannot promise at-most-once.
func (i *idempotency) unavailable(ctx context.Context, w http.ResponseWriter, err error) {
	i.logger.ErrorContext(ctx, "idempotency store unavailable", "error", err)
	writeProblem(w, idempotencyProblem(http.StatusServiceUnavailable, "unavailable", "Service unavailable",
		"the idempotency store is unavailable; retry later"))
}

func replay(w http.ResponseWriter, rec idempotencyRecord) {
	for k, v := range rec.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set(replayedHeader, "true")
	w.WriteHeader(rec.Status)
	_, _ = w.Write(rec.Body)
}

// responseRecorder passes the response through to the client and keeps a copy of it.
type responseRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (rr *responseRecorder) WriteHeader(code int) {
	if rr.status == 0 {
		rr.status = code
	}
	rr.ResponseWriter.WriteHeader(code)
}

func (rr *responseRecorder) Write(p []byte) (int, error) {
	if rr.status == 0 {
		rr.status = http.StatusOK
	}
	rr.body.Write(p)
	return rr.ResponseWriter.Write(p)
}

func (rr *responseRecorder) statusCode() int {
	if rr.status == 0 {
		return http.StatusOK
	}
	return rr.status
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rr *responseRecorder) Unwrap() http.ResponseWriter { return rr.ResponseWriter }
