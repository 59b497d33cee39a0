package applications

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/redisx"
	"github.com/guichet/guichet/platform/testenv"
	"github.com/guichet/guichet/services/applications/registry"
)

// laPoste is a valid SIRET (La Poste's rule) that the fake registry does not know.
const laPoste = "35600000000001"

// registryAPI mimics the public "API Recherche d'entreprises" (an external system): DINUM is
// active, the establishment `other` is closed, every other SIRET is unknown. down makes it answer
// 503 to everything.
type registryAPI struct {
	mu   sync.Mutex
	down bool
	hits int
}

func (f *registryAPI) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

func (f *registryAPI) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

func (f *registryAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.hits++
	down := f.down
	f.mu.Unlock()
	if down || r.URL.Path != "/search" {
		http.Error(w, `{"erreur":"Service indisponible"}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	unit := func(siren, name, siret, estState string) string {
		return fmt.Sprintf(`{"results":[{"siren":%q,"nom_complet":%q,"etat_administratif":"A","siege":{"siret":%q,"etat_administratif":"A"},
			"matching_etablissements":[{"siret":%q,"etat_administratif":%q,"date_fermeture":"2021-06-30"}]}],"total_results":1,"page":1,"per_page":10,"total_pages":1}`,
			siren, name, siren+"00099", siret, estState)
	}
	switch q := r.URL.Query().Get("q"); q {
	case dinum:
		_, _ = w.Write([]byte(unit("130025265", "DIRECTION INTERMINISTERIELLE DU NUMERIQUE (DINUM)", dinum, "A")))
	case other:
		_, _ = w.Write([]byte(unit("233500016", "DEPARTEMENT DE LA GIRONDE", other, "F")))
	default:
		_, _ = w.Write([]byte(`{"results":[],"total_results":0,"page":1,"per_page":10,"total_pages":0}`))
	}
}

// newRegistry serves the fake API and returns the real client of it, caching in the test
// environment's Redis under keys of its own.
func newRegistry(t *testing.T) (*registryAPI, *registry.Client) {
	t.Helper()
	api := &registryAPI{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	rdb, err := redisx.Open(testenv.Get(t).RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	c, err := registry.New(registry.Options{BaseURL: srv.URL, Redis: rdb, KeyPrefix: "test:applications:" + ids.New() + ":",
		Limiter: rate.NewLimiter(rate.Inf, 1), MaxAttempts: 2, Backoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return api, c
}
