package rest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestDoSendsWhatAClientMust: the token, the JSON body with its type, the key on a POST only, and
// the answer read back whatever its status.
func TestDoSendsWhatAClientMust(t *testing.T) {
	type seen struct{ method, path, auth, ctype, key, body string }
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.Header.Get("Idempotency-Key"), string(b)}
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`{"title":"Conflict","status":409}`))
	}))
	defer srv.Close()
	ctx := context.Background()
	r, err := Do(ctx, srv.Client(), srv.URL, Request{Method: http.MethodPost, Path: "/v1/calls?callId=c1", Token: "tok", Body: []byte(`{"a":1}`), Key: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != (seen{"POST", "/v1/calls?callId=c1", "Bearer tok", "application/json", "k1", `{"a":1}`}) {
		t.Fatalf("POST sent %+v", s)
	}
	if r.Status != http.StatusConflict || r.Str("title") != "Conflict" || r.Str("missing") != "" {
		t.Fatalf("answer %+v", r)
	}
	if _, err := Do(ctx, srv.Client(), srv.URL, Request{Method: http.MethodGet, Path: "/v1/calls", Key: "ignored"}); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != (seen{"GET", "/v1/calls", "", "", "", ""}) {
		t.Fatalf("GET sent %+v", s)
	}
	srv.Close()
	if _, err := Do(ctx, http.DefaultClient, srv.URL, Request{Method: http.MethodGet, Path: "/"}); err == nil {
		t.Fatal("a closed server gave no error")
	}
}
