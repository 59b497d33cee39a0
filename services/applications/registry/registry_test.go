package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/redisx"
	"github.com/guichet/guichet/platform/testenv"
)

// The SIRETs the fake API knows.
const (
	activeSiret     = "13002526500013" // DINUM, active
	closedEstSiret  = "23350001600040" // an active legal unit whose establishment is closed
	ceasedUnitSiret = "44306184100047" // a ceased legal unit
	unknownSiret    = "12345678200010" // in no result
)

// Answers shaped like the API's (GET /search?q=...), trimmed of the fields the check ignores but
// keeping a few of them so that the decoder meets a realistic document.
func unitJSON(siren, name, state, closing string, siege string, matching ...string) string {
	return fmt.Sprintf(`{"siren":%q,"nom_complet":%q,"nom_raison_sociale":%q,"etat_administratif":%q,"date_fermeture":%s,
		"nature_juridique":"7120","nombre_etablissements":3,"nombre_etablissements_ouverts":2,"siege":%s,
		"matching_etablissements":[%s],"complements":{"est_service_public":true}}`,
		siren, name, name, state, jsonOrNull(closing), siege, strings.Join(matching, ","))
}

func establishmentJSON(siret, state, closing string, headOffice bool) string {
	return fmt.Sprintf(`{"siret":%q,"etat_administratif":%q,"date_fermeture":%s,"est_siege":%t,"adresse":"20 AVENUE DE SEGUR 75007 PARIS",
		"code_postal":"75007","libelle_commune":"PARIS","activite_principale":"84.11Z"}`, siret, state, jsonOrNull(closing), headOffice)
}

func jsonOrNull(s string) string {
	if s == "" {
		return "null"
	}
	return fmt.Sprintf("%q", s)
}

func page(units ...string) string {
	return fmt.Sprintf(`{"results":[%s],"total_results":%d,"page":1,"per_page":10,"total_pages":1}`, strings.Join(units, ","), len(units))
}

var answers = map[string]string{
	activeSiret: page(unitJSON("130025265", "DIRECTION INTERMINISTERIELLE DU NUMERIQUE (DINUM)", "A", "",
		establishmentJSON(activeSiret, "A", "", true), establishmentJSON(activeSiret, "A", "", true))),
	closedEstSiret: page(unitJSON("233500016", "DEPARTEMENT DE LA GIRONDE", "A", "",
		establishmentJSON("23350001600016", "A", "", true), establishmentJSON(closedEstSiret, "F", "2021-06-30", false))),
	ceasedUnitSiret: page(unitJSON("443061841", "ANCIENNE SOCIETE", "C", "2019-12-31",
		establishmentJSON(ceasedUnitSiret, "F", "2019-12-31", true), establishmentJSON(ceasedUnitSiret, "F", "2019-12-31", true))),
	unknownSiret: `{"results":[],"total_results":0,"page":1,"per_page":10,"total_pages":0}`,
}

// fakeAPI mimics the API. script, when set, answers instead of the table for the n-th request
// (from 1) for a SIRET.
type fakeAPI struct {
	mu     sync.Mutex
	hits   map[string]int
	times  []time.Time
	script func(w http.ResponseWriter, q string, n int) bool
}

func newFakeAPI(t *testing.T) (*fakeAPI, *httptest.Server) {
	f := &fakeAPI{hits: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		if r.URL.Path != "/search" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query().Get("q")
		f.mu.Lock()
		f.hits[q]++
		n := f.hits[q]
		f.times = append(f.times, at)
		script := f.script
		f.mu.Unlock()
		if script != nil && script(w, q, n) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if a, ok := answers[q]; ok {
			_, _ = w.Write([]byte(a))
			return
		}
		_, _ = w.Write([]byte(answers[unknownSiret]))
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeAPI) count(q string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[q]
}

// testRedis is the test environment's Redis, with a key prefix of the test's own.
func testRedis(t *testing.T) (redis.UniversalClient, string) {
	rdb, err := redisx.Open(testenv.Get(t).RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb, "test:registry:" + ids.New() + ":"
}

func newClient(t *testing.T, srv *httptest.Server, o Options) *Client {
	o.BaseURL = srv.URL
	if o.Limiter == nil {
		o.Limiter = rate.NewLimiter(rate.Inf, 1) // the rate test uses the process limiter
	}
	if o.Backoff == 0 {
		o.Backoff = 10 * time.Millisecond
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAnswers(t *testing.T) {
	_, srv := newFakeAPI(t)
	rdb, prefix := testRedis(t)
	c := newClient(t, srv, Options{Redis: rdb, KeyPrefix: prefix})
	tests := []struct {
		siret  string
		status Status
		reason []string
	}{
		{activeSiret, Active, []string{"DINUM", "130025265", "active"}},
		{closedEstSiret, Ceased, []string{"establishment SIRET " + closedEstSiret, "DEPARTEMENT DE LA GIRONDE", "closed", "2021-06-30"}},
		{ceasedUnitSiret, Ceased, []string{"ANCIENNE SOCIETE", "443061841", "ceased", "2019-12-31"}},
		{unknownSiret, Unknown, []string{unknownSiret, "not in the company registry"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.status)+" "+tt.siret, func(t *testing.T) {
			r, err := c.Check(context.Background(), tt.siret)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tt.status || r.Siret != tt.siret || r.Cached || r.CheckedAt.IsZero() {
				t.Fatalf("result %+v, want %s", r, tt.status)
			}
			for _, want := range tt.reason {
				if !strings.Contains(r.Reason, want) {
					t.Errorf("reason %q does not say %q", r.Reason, want)
				}
			}
		})
	}
}

func TestAnswersAreCachedForADay(t *testing.T) {
	api, srv := newFakeAPI(t)
	rdb, prefix := testRedis(t)
	c := newClient(t, srv, Options{Redis: rdb, KeyPrefix: prefix})
	ctx := context.Background()
	for _, siret := range []string{activeSiret, unknownSiret} { // found and not found alike
		first, err := c.Check(ctx, siret)
		if err != nil {
			t.Fatal(err)
		}
		second, err := c.Check(ctx, siret)
		if err != nil {
			t.Fatal(err)
		}
		if !second.Cached || second.Status != first.Status || second.Reason != first.Reason || !second.CheckedAt.Equal(first.CheckedAt) {
			t.Fatalf("second answer %+v, first %+v", second, first)
		}
		if n := api.count(siret); n != 1 {
			t.Fatalf("%s asked %d times", siret, n)
		}
		ttl, err := rdb.TTL(ctx, prefix+siret).Result()
		if err != nil || ttl < 23*time.Hour+59*time.Minute || ttl > 24*time.Hour {
			t.Fatalf("TTL of %s = %v, %v", siret, ttl, err)
		}
	}
	// Another client (another process) shares the cache.
	other := newClient(t, srv, Options{Redis: rdb, KeyPrefix: prefix})
	if r, err := other.Check(ctx, activeSiret); err != nil || !r.Cached {
		t.Fatalf("other client: %+v, %v", r, err)
	}
}

func TestTooManyRequestsThenSuccessHonoursRetryAfter(t *testing.T) {
	api, srv := newFakeAPI(t)
	api.script = func(w http.ResponseWriter, _ string, n int) bool {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"erreur":"Trop de requêtes"}`, http.StatusTooManyRequests)
			return true
		}
		return false
	}
	c := newClient(t, srv, Options{})
	r, err := c.Check(context.Background(), activeSiret)
	if err != nil || r.Status != Active {
		t.Fatalf("%+v, %v", r, err)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.times) != 2 {
		t.Fatalf("%d requests", len(api.times))
	}
	// The client waited the second asked for, not its own 10ms back-off.
	if gap := api.times[1].Sub(api.times[0]); gap < time.Second {
		t.Fatalf("retried after %v despite Retry-After: 1", gap)
	}
}

func TestServerErrorsAreRetriedThenUnavailable(t *testing.T) {
	api, srv := newFakeAPI(t)
	rdb, prefix := testRedis(t)
	api.script = func(w http.ResponseWriter, _ string, n int) bool {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return true
	}
	c := newClient(t, srv, Options{Redis: rdb, KeyPrefix: prefix, MaxAttempts: 3})
	_, err := c.Check(context.Background(), activeSiret)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("err = %v", err)
	}
	if n := api.count(activeSiret); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
	// Errors are never cached: once the registry is back, it is asked again.
	if n, err := rdb.Exists(context.Background(), prefix+activeSiret).Result(); err != nil || n != 0 {
		t.Fatalf("an error was cached: %d, %v", n, err)
	}
	api.mu.Lock()
	api.script = nil
	api.mu.Unlock()
	if r, err := c.Check(context.Background(), activeSiret); err != nil || r.Status != Active || r.Cached {
		t.Fatalf("after recovery: %+v, %v", r, err)
	}
}

func TestTransientServerErrorIsRetried(t *testing.T) {
	api, srv := newFakeAPI(t)
	api.script = func(w http.ResponseWriter, _ string, n int) bool {
		switch n {
		case 1:
			http.Error(w, "bad gateway", http.StatusBadGateway)
		case 2:
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		default:
			return false
		}
		return true
	}
	c := newClient(t, srv, Options{})
	if r, err := c.Check(context.Background(), closedEstSiret); err != nil || r.Status != Ceased {
		t.Fatalf("%+v, %v", r, err)
	}
	if n := api.count(closedEstSiret); n != 3 {
		t.Fatalf("%d requests", n)
	}
}

func TestRefusalsAreNotRetried(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
		says   string
	}{
		{"malformed JSON", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"results":[{"siren":`)) }, "malformed"},
		{"not the API", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`<html>maintenance</html>`)) }, "malformed"},
		{"no results field", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"erreur":"x"}`)) }, "no results field"},
		{"bad request", func(w http.ResponseWriter) { http.Error(w, `{"erreur":"q"}`, http.StatusBadRequest) }, "HTTP 400"},
		{"retry after an hour", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		}, "retry after 3600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, srv := newFakeAPI(t)
			rdb, prefix := testRedis(t)
			api.script = func(w http.ResponseWriter, _ string, _ int) bool { tt.answer(w); return true }
			c := newClient(t, srv, Options{Redis: rdb, KeyPrefix: prefix})
			_, err := c.Check(context.Background(), activeSiret)
			if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("err = %v", err)
			}
			if n := api.count(activeSiret); n != 1 {
				t.Fatalf("%d requests", n)
			}
			if n, _ := rdb.Exists(context.Background(), prefix+activeSiret).Result(); n != 0 {
				t.Fatal("an error was cached")
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	api, srv := newFakeAPI(t)
	api.script = func(w http.ResponseWriter, _ string, _ int) bool {
		time.Sleep(2 * time.Second) // longer than any timeout below
		return false
	}
	c := newClient(t, srv, Options{AttemptTimeout: 100 * time.Millisecond, Timeout: time.Second, MaxAttempts: 2})
	start := time.Now()
	_, err := c.Check(context.Background(), activeSiret)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second+500*time.Millisecond {
		t.Fatalf("took %v despite the timeouts", elapsed)
	}
	if n := api.count(activeSiret); n != 2 {
		t.Fatalf("%d attempts", n)
	}
	// The caller's deadline bounds the lookup too.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	c = newClient(t, srv, Options{})
	if _, err := c.Check(ctx, closedEstSiret); err == nil {
		t.Fatal("answered after the caller's deadline")
	}
}

func TestBadBaseURL(t *testing.T) {
	for _, u := range []string{"off", "ftp://example.org", "https://"} {
		if _, err := New(Options{BaseURL: u}); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	c, err := New(Options{})
	if err != nil || c.base.String() != DefaultURL {
		t.Fatalf("default: %v, %v", c, err)
	}
}

// TestRateLimitHoldsSevenPerSecond fires many concurrent lookups through the process-wide limiter
// and counts what the API received within a window. A request cannot leave before its turn
// (start + k/7 s), so within W seconds of the start at most 1 + 7W arrive, however the machine is
// loaded: the bound is exact, not a timing race. A run without the limiter shows that the
// measurement would see a breach.
func TestRateLimitHoldsSevenPerSecond(t *testing.T) {
	const window = 2 * time.Second
	measure := func(limiter *rate.Limiter, lookups int) (inWindow int, elapsed time.Duration) {
		api, srv := newFakeAPI(t)
		c, err := New(Options{BaseURL: srv.URL, Limiter: limiter})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		var wg sync.WaitGroup
		for i := range lookups {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), window+time.Second)
				defer cancel()
				_, _ = c.Check(ctx, fmt.Sprintf("9%013d", i)) // distinct SIRETs: no cache involved
			})
		}
		wg.Wait()
		api.mu.Lock()
		defer api.mu.Unlock()
		for _, at := range api.times {
			if at.Sub(start) <= window {
				inWindow++
			}
		}
		return inWindow, time.Since(start)
	}

	got, elapsed := measure(nil, 40) // nil: the process-wide limiter, as in production
	limit := 1 + int(MaxRequestsPerSecond*window/time.Second)
	t.Logf("process limiter: %d requests within %v (bound %d); 40 lookups took %v", got, window, limit, elapsed)
	if got > limit {
		t.Fatalf("%d requests within %v: more than %d, the limiter lets more than %d/s through", got, window, limit, MaxRequestsPerSecond)
	}
	if got < 2 {
		t.Fatalf("only %d requests within %v: the limiter starves the lookups", got, window)
	}

	unlimited, _ := measure(rate.NewLimiter(rate.Inf, 1), 40)
	t.Logf("without a limiter: %d requests within %v", unlimited, window)
	if unlimited <= limit {
		t.Fatalf("without a limiter only %d requests arrived: the measurement cannot tell a breach", unlimited)
	}
}
