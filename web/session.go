package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
)

// sessionTTL bounds a console session; the access token it holds lives as long.
const sessionTTL = 8 * time.Hour

// session is what the server keeps about a signed-in person: the principal, the access token the
// console presents to the services on its behalf, and the synchroniser token of its forms.
type session struct {
	ID      string    `json:"-"`
	Subject string    `json:"sub"`
	Role    string    `json:"role"`
	Name    string    `json:"name"`
	Token   string    `json:"token"`
	CSRF    string    `json:"csrf"`
	Expires time.Time `json:"expires"`
}

// sessions stores sessions in Redis under an opaque random id, the only thing the cookie holds.
type sessions struct {
	rdb    *redis.Client
	secure bool
}

func (s *sessions) cookieName() string {
	if s.secure {
		return "__Host-guichet_session"
	}
	return "guichet_session"
}

// randomToken is 52 characters of crypto/rand base32: session ids, CSRF tokens, state and nonce.
func randomToken() string { return rand.Text() + rand.Text() }

func (s *sessions) create(ctx context.Context, w http.ResponseWriter, sess session) error {
	sess.ID, sess.CSRF = randomToken(), randomToken()
	sess.Expires = time.Now().Add(sessionTTL)
	data, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	if err := s.rdb.Set(ctx, "web:session:"+sess.ID, data, sessionTTL).Err(); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: sess.ID, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(sessionTTL.Seconds())})
	return nil
}

// load returns the request's session; ok is false when there is none (or it expired).
func (s *sessions) load(r *http.Request) (session, bool, error) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" {
		return session{}, false, nil
	}
	data, err := s.rdb.Get(r.Context(), "web:session:"+c.Value).Bytes()
	if errors.Is(err, redis.Nil) {
		return session{}, false, nil
	}
	if err != nil {
		return session{}, false, err
	}
	var sess session
	if err := json.Unmarshal(data, &sess); err != nil {
		return session{}, false, err
	}
	sess.ID = c.Value
	return sess, time.Now().Before(sess.Expires), nil
}

func (s *sessions) destroy(ctx context.Context, w http.ResponseWriter, sess session) error {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	if sess.ID == "" {
		return nil
	}
	return s.rdb.Del(ctx, "web:session:"+sess.ID).Err()
}

// validCSRF checks a form's synchroniser token against its session's.
func validCSRF(sess session, r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return sess.CSRF != "" && subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) == 1
}
