package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/guichet/guichet/platform/auth"
)

// maxBodyBytes is API.md's limit on request bodies.
const maxBodyBytes = 1 << 20

// limitBody refuses bodies over maxBodyBytes with 413. The body is read here, through
// http.MaxBytesReader, so that a chunked body (no Content-Length) is refused before any handler
// acts on part of it; the idempotency fingerprint needs the whole body anyway.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBodyBytes {
			writeProblem(w, tooLarge())
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
			_ = r.Body.Close()
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					writeProblem(w, tooLarge())
					return
				}
				writeProblem(w, httpProblem(http.StatusBadRequest, "the request body could not be read"))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(data))
			r.ContentLength = int64(len(data))
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate verifies the bearer token when one is sent and puts its principal in the context.
// A request without one goes on anonymously: the services decide which methods are public. The
// Authorization header itself is left in place, since grpc-gateway forwards it to the services,
// which verify it again (they trust no one on the network).
func authenticate(v auth.TokenVerifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			values := r.Header.Values("Authorization")
			if len(values) == 0 {
				next.ServeHTTP(w, r)
				return
			}
			if len(values) > 1 {
				refuse(w, "send a single Authorization header")
				return
			}
			raw := auth.BearerToken(values[0])
			if raw == "" {
				refuse(w, `the Authorization header must be "Bearer <token>"`)
				return
			}
			p, err := v.Verify(r.Context(), raw)
			if err != nil {
				refuse(w, "invalid bearer token: "+err.Error())
				return
			}
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		})
	}
}

func refuse(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="guichet", error="invalid_token"`)
	writeProblem(w, unauthenticated(detail))
}

// callerScope names who is calling, for rate limits and idempotency keys: the token's subject, or
// for anonymous calls the client address. X-Forwarded-For is not trusted: any client can write it.
func callerScope(r *http.Request) string {
	if p := auth.FromContext(r.Context()); !p.Anonymous() {
		return "sub:" + p.Subject
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "addr:" + host
}

// maxHeaderBytes bounds the request's header fields (names and values). A bearer token is about
// 1 KiB and nothing else large is expected; the HTTP server's own limit (1 MiB by default) is the
// memory bound, this one keeps oversized headers from reaching the verifier, the logs and Redis.
const maxHeaderBytes = 64 << 10

// limitHeaders refuses requests whose header fields exceed maxHeaderBytes with 431.
func limitHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := len(r.URL.RawQuery) + len(r.URL.Path)
		for name, values := range r.Header {
			for _, v := range values {
				n += len(name) + len(v)
			}
		}
		if n > maxHeaderBytes {
			writeProblem(w, httpProblem(http.StatusRequestHeaderFieldsTooLarge,
				fmt.Sprintf("the request line and header fields exceed %d bytes", maxHeaderBytes)))
			return
		}
		next.ServeHTTP(w, r)
	})
}
