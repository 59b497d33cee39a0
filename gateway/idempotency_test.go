package gateway

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/ids"
)

// counting is a handler that counts its calls and answers 201 with a Location and the call number.
type counting struct {
	calls atomic.Int32
	// status, when set, chooses the status of each call (1-based).
	status func(call int32) int
	// hold, when set, blocks each call until it is closed; entered reports the call has started.
	hold    chan struct{}
	entered chan struct{}
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := c.calls.Add(1)
	if c.entered != nil {
		c.entered <- struct{}{}
	}
	if c.hold != nil {
		<-c.hold
	}
	code := http.StatusCreated
	if c.status != nil {
		code = c.status(n)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/v1/calls/c"+string(rune('0'+n)))
	w.Header().Set("X-Not-Stored", "1")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(`{"call":` + string(rune('0'+n)) + `}`))
}

func newTestIdempotency(t *testing.T) *idempotency {
	t.Helper()
	i := newIdempotency(testRedis(t), time.Minute, quietLogger())
	i.prefix = uniquePrefix()
	return i
}

type idemRequest struct {
	key, body string
	principal string
	addr      string
	path      string
}

func (i *idempotency) do(h http.Handler, req idemRequest) *http.Response {
	path := req.path
	if path == "" {
		path = "/v1/calls"
	}
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(req.body))
	if req.key != "" {
		r.Header.Set("Idempotency-Key", req.key)
	}
	if req.addr != "" {
		r.RemoteAddr = req.addr
	}
	if req.principal != "" {
		r = r.WithContext(auth.WithPrincipal(r.Context(), auth.Principal{Subject: req.principal, Role: auth.ProgrammeOfficer}))
	}
	w := httptest.NewRecorder()
	i.middleware(h).ServeHTTP(w, r)
	return w.Result()
}

func bodyOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func TestIdempotencyReplaysFirstResponse(t *testing.T) {
	i := newTestIdempotency(t)
	h := &counting{}
	req := idemRequest{key: ids.New(), body: `{"title":"a"}`, principal: "officer-1"}

	first := i.do(h, req)
	require.Equal(t, http.StatusCreated, first.StatusCode)
	require.Empty(t, first.Header.Get("Idempotency-Replayed"))
	firstBody := bodyOf(t, first)

	second := i.do(h, req)
	require.Equal(t, http.StatusCreated, second.StatusCode)
	require.Equal(t, "true", second.Header.Get("Idempotency-Replayed"))
	require.Equal(t, firstBody, bodyOf(t, second))
	require.Equal(t, "application/json", second.Header.Get("Content-Type"))
	require.Equal(t, first.Header.Get("Location"), second.Header.Get("Location"))
	require.Empty(t, second.Header.Get("X-Not-Stored"))
	require.EqualValues(t, 1, h.calls.Load(), "the handler must run once")
}

func TestIdempotencyStoresClientErrors(t *testing.T) {
	i := newTestIdempotency(t)
	h := &counting{status: func(int32) int { return http.StatusConflict }}
	req := idemRequest{key: ids.New(), body: `{}`, principal: "officer-1"}
	require.Equal(t, http.StatusConflict, i.do(h, req).StatusCode)
	replayed := i.do(h, req)
	require.Equal(t, http.StatusConflict, replayed.StatusCode)
	require.Equal(t, "true", replayed.Header.Get("Idempotency-Replayed"))
	require.EqualValues(t, 1, h.calls.Load())
}

func TestIdempotencyOtherBodyIs422(t *testing.T) {
	i := newTestIdempotency(t)
	h := &counting{}
	key := ids.New()
	require.Equal(t, http.StatusCreated, i.do(h, idemRequest{key: key, body: `{"title":"a"}`, principal: "officer-1"}).StatusCode)

	p := decodeProblem(t, i.do(h, idemRequest{key: key, body: `{"title":"b"}`, principal: "officer-1"}), http.StatusUnprocessableEntity)
	require.Contains(t, p.Type, "idempotency")
	// Another path with the same body is another request too.
	decodeProblem(t, i.do(h, idemRequest{key: key, body: `{"title":"a"}`, principal: "officer-1", path: "/v1/payment-batches"}), http.StatusUnprocessableEntity)
	require.EqualValues(t, 1, h.calls.Load())
}

func TestIdempotencyInFlightIs409(t *testing.T) {
	i := newTestIdempotency(t)
	h := &counting{hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	req := idemRequest{key: ids.New(), body: `{"title":"a"}`, principal: "officer-1"}

	done := make(chan *http.Response, 1)
	go func() { done <- i.do(h, req) }()
	select {
	case <-h.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first request never reached the handler")
	}

	p := decodeProblem(t, i.do(h, req), http.StatusConflict)
	require.Contains(t, p.Type, "in-flight")
	decodeProblem(t, i.do(h, idemRequest{key: req.key, body: `{"title":"b"}`, principal: "officer-1"}), http.StatusUnprocessableEntity)

	close(h.hold)
	first := <-done
	require.Equal(t, http.StatusCreated, first.StatusCode)
	replayed := i.do(h, req)
	require.Equal(t, http.StatusCreated, replayed.StatusCode)
	require.Equal(t, "true", replayed.Header.Get("Idempotency-Replayed"))
	require.EqualValues(t, 1, h.calls.Load())
}

func TestIdempotencyServerErrorIsNotStored(t *testing.T) {
	i := newTestIdempotency(t)
	h := &counting{status: func(n int32) int {
		if n == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusCreated
	}}
	req := idemRequest{key: ids.New(), body: `{"title":"a"}`, principal: "officer-1"}

	require.Equal(t, http.StatusServiceUnavailable, i.do(h, req).StatusCode)
	retried := i.do(h, req)
	require.Equal(t, http.StatusCreated, retried.StatusCode)
	require.Empty(t, retried.Header.Get("Idempotency-Replayed"), "the 5xx must not be replayed")
	require.Equal(t, "true", i.do(h, req).Header.Get("Idempotency-Replayed"))
	require.EqualValues(t, 2, h.calls.Load())
}

func TestIdempotencyPanicReleasesKey(t *testing.T) {
	i := newTestIdempotency(t)
	key := ids.New()
	panicking := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	require.Panics(t, func() { i.do(panicking, idemRequest{key: key, body: `{}`, principal: "p"}) })
	h := &counting{}
	require.Equal(t, http.StatusCreated, i.do(h, idemRequest{key: key, body: `{}`, principal: "p"}).StatusCode)
	require.EqualValues(t, 1, h.calls.Load())
}

func TestIdempotencyKeysAreScopedByCaller(t *testing.T) {
	i := newTestIdempotency(t)
	h := &counting{}
	key := ids.New()
	for _, req := range []idemRequest{
		{key: key, body: `{}`, principal: "alice"},
		{key: key, body: `{}`, principal: "bob"},
		{key: key, body: `{}`, addr: "192.0.2.1:4000"},
		{key: key, body: `{}`, addr: "192.0.2.2:4000"},
	} {
		resp := i.do(h, req)
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		require.Empty(t, resp.Header.Get("Idempotency-Replayed"), "caller %+v saw another's response", req)
	}
	require.EqualValues(t, 4, h.calls.Load())
	// The same anonymous address, from another port, is the same caller.
	require.Equal(t, "true", i.do(h, idemRequest{key: key, body: `{}`, addr: "192.0.2.1:5000"}).Header.Get("Idempotency-Replayed"))
}

func TestIdempotencyKeyTooLong(t *testing.T) {
	i := newTestIdempotency(t)
	h := &counting{}
	p := decodeProblem(t, i.do(h, idemRequest{key: strings.Repeat("k", 256), body: `{}`, principal: "p"}), http.StatusBadRequest)
	require.Equal(t, "Idempotency-Key", p.Violations[0].Field)
	require.Equal(t, http.StatusCreated, i.do(h, idemRequest{key: strings.Repeat("k", 255), body: `{}`, principal: ids.New()}).StatusCode)
	require.EqualValues(t, 1, h.calls.Load())
}

func TestIdempotencyOnlyOnPostWithKey(t *testing.T) {
	i := newTestIdempotency(t)
	h := &counting{}
	// No key: every POST runs.
	i.do(h, idemRequest{body: `{}`, principal: "p"})
	i.do(h, idemRequest{body: `{}`, principal: "p"})
	// Other methods ignore the header.
	key := ids.New()
	for range 2 {
		r := httptest.NewRequest(http.MethodPatch, "/v1/calls/c/applications/a", strings.NewReader(`{}`))
		r.Header.Set("Idempotency-Key", key)
		i.middleware(h).ServeHTTP(httptest.NewRecorder(), r)
	}
	require.EqualValues(t, 4, h.calls.Load())
}

func TestIdempotencyRecordExpires(t *testing.T) {
	i := newTestIdempotency(t)
	i.ttl = 200 * time.Millisecond
	h := &counting{}
	req := idemRequest{key: ids.New(), body: `{}`, principal: "p"}
	i.do(h, req)
	ttl, err := i.rdb.PTTL(context.Background(), i.redisKey("sub:p", req.key)).Result()
	require.NoError(t, err)
	require.Greater(t, ttl, time.Duration(0))
	require.LessOrEqual(t, ttl, 200*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	require.Empty(t, i.do(h, req).Header.Get("Idempotency-Replayed"))
	require.EqualValues(t, 2, h.calls.Load())
}

func TestFingerprintSeparatesParts(t *testing.T) {
	require.NotEqual(t, fingerprint("POST", "/v1/a", []byte("b")), fingerprint("POST", "/v1/ab", nil))
	require.NotEqual(t, fingerprint("POST", "/v1/a", nil), fingerprint("POS", "T/v1/a", nil))
	require.Equal(t, fingerprint("POST", "/v1/a", []byte("{}")), fingerprint("POST", "/v1/a", []byte("{}")))
	require.Len(t, fingerprint("POST", "/", nil), 64)
}

// FuzzFingerprint checks that two requests share a fingerprint exactly when they are the same.
func FuzzFingerprint(f *testing.F) {
	f.Add("POST", "/v1/a", []byte("b"), "POST", "/v1/ab", []byte(""))
	f.Add("POST", "/v1/calls", []byte(`{}`), "POST", "/v1/calls", []byte(`{}`))
	f.Add("", "", []byte{}, "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, m1, p1 string, b1 []byte, m2, p2 string, b2 []byte) {
		same := m1 == m2 && p1 == p2 && string(b1) == string(b2)
		if got := fingerprint(m1, p1, b1) == fingerprint(m2, p2, b2); got != same {
			t.Fatalf("fingerprints equal = %v for requests equal = %v", got, same)
		}
	})
}
