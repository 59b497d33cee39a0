// Package rest sends requests to the platform's REST gateway the way its clients must: a bearer
// token, a JSON body, and an Idempotency-Key on every POST. The benchmark and the chaos run use it.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// Response is an answer of the gateway: its status, its body and the body as a JSON object (nil
// when it is not one).
type Response struct {
	Status int
	Body   []byte
	JSON   map[string]any
}

// Str returns a string field of the JSON body ("" when absent).
func (r Response) Str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}

// Request is one request to send.
type Request struct {
	Method, Path, Token string
	// Body is sent as JSON (nil: no body).
	Body []byte
	// Key is the Idempotency-Key of a POST: the same key for every attempt of one action.
	Key string
}

// Do sends r to the gateway at base and reads the whole answer. A status of 4xx or 5xx is an
// answer, not an error: the caller decides what it means.
func Do(ctx context.Context, hc *http.Client, base string, r Request) (Response, error) {
	var rd io.Reader
	if r.Body != nil {
		rd = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, base+r.Path, rd)
	if err != nil {
		return Response{}, err
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Method == http.MethodPost && r.Key != "" {
		req.Header.Set("Idempotency-Key", r.Key)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{Status: resp.StatusCode}, err
	}
	out := Response{Status: resp.StatusCode, Body: raw}
	_ = json.Unmarshal(raw, &out.JSON)
	return out, nil
}
