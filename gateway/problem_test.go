package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/grpcx"
	applicationsv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

// renderError runs the mux's error handler on err for a plain request.
func renderError(t *testing.T, r *http.Request, err error) *http.Response {
	t.Helper()
	if r == nil {
		r = httptest.NewRequest(http.MethodGet, "/v1/calls/c1", nil)
	}
	w := httptest.NewRecorder()
	errorHandler(quietLogger())(context.Background(), nil, nil, w, r, err)
	return w.Result()
}

func TestProblemPerCode(t *testing.T) {
	tests := []struct {
		code       codes.Code
		status     int
		slug       string
		showDetail bool
	}{
		{codes.Canceled, 499, "canceled", true},
		{codes.Unknown, 500, "unknown", false},
		{codes.InvalidArgument, 400, "invalid-argument", true},
		{codes.DeadlineExceeded, 504, "deadline-exceeded", true},
		{codes.NotFound, 404, "not-found", true},
		{codes.AlreadyExists, 409, "already-exists", true},
		{codes.PermissionDenied, 403, "permission-denied", true},
		{codes.ResourceExhausted, 429, "resource-exhausted", true},
		{codes.FailedPrecondition, 409, "failed-precondition", true},
		{codes.Aborted, 409, "aborted", true},
		{codes.OutOfRange, 400, "out-of-range", true},
		{codes.Unimplemented, 501, "unimplemented", true},
		{codes.Internal, 500, "internal", false},
		{codes.Unavailable, 503, "unavailable", false},
		{codes.DataLoss, 500, "data-loss", false},
		{codes.Unauthenticated, 401, "unauthenticated", true},
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			resp := renderError(t, nil, status.Error(tt.code, "secret detail 42"))
			p := decodeProblem(t, resp, tt.status)
			require.Equal(t, "https://guichet.dev/problems/"+tt.slug, p.Type)
			if tt.showDetail {
				require.Equal(t, "secret detail 42", p.Detail)
			} else {
				require.NotContains(t, p.Detail, "secret", "server errors must not leak their message")
				require.NotEmpty(t, p.Detail)
			}
			require.Empty(t, p.Violations)
			if tt.code == codes.Unauthenticated {
				require.True(t, strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer"))
			} else {
				require.Empty(t, resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestProblemViolationsFromBadRequest(t *testing.T) {
	err := grpcx.InvalidArgument(
		grpcx.Violation{Field: "application.applicant.siret", Description: "not a valid SIRET (Luhn)"},
		grpcx.Violation{Field: "application.milestones[0].dueDate", Description: "must be a date YYYY-MM-DD"},
	)
	p := decodeProblem(t, renderError(t, nil, err), http.StatusBadRequest)
	require.Equal(t, "https://guichet.dev/problems/invalid-argument", p.Type)
	require.Equal(t, []Violation{
		{Field: "application.applicant.siret", Description: "not a valid SIRET (Luhn)"},
		{Field: "application.milestones[0].dueDate", Description: "must be a date YYYY-MM-DD"},
	}, p.Violations)
}

func TestProblemIgnoresOtherDetails(t *testing.T) {
	st, err := status.New(codes.FailedPrecondition, "the call is closed").WithDetails(&errdetails.ErrorInfo{Reason: "CALL_CLOSED"})
	require.NoError(t, err)
	p := decodeProblem(t, renderError(t, nil, st.Err()), http.StatusConflict)
	require.Equal(t, "the call is closed", p.Detail)
	require.Empty(t, p.Violations)
}

func TestProblemHTTPStatusError(t *testing.T) {
	err := &runtime.HTTPStatusError{HTTPStatus: http.StatusBadRequest, Err: errors.New("malformed path escape")}
	p := decodeProblem(t, renderError(t, nil, err), http.StatusBadRequest)
	require.Equal(t, "about:blank", p.Type)
	require.Equal(t, "Bad Request", p.Title)
}

// decodeError runs the gateway's JSON decoder on body, as the generated code does, and returns
// the request and the error the generated code would pass to the error handler.
func decodeError(t *testing.T, body string) (*http.Request, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/v1/calls", strings.NewReader(body))
	var seen *http.Request
	trackBody(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r })).ServeHTTP(httptest.NewRecorder(), r)
	var call applicationsv1.Call
	err := newJSONMarshaler().NewDecoder(seen.Body).Decode(&call)
	require.Error(t, err)
	// The generated code flattens the decoding error into an InvalidArgument string.
	return seen, status.Errorf(codes.InvalidArgument, "%v", err)
}

func TestProblemMalformedBody(t *testing.T) {
	for name, body := range map[string]string{
		"syntax":        `{"title": "x",`,
		"not an object": `[1, 2]`,
		"wrong type":    `{"title": 42}`,
		"unknown field": `{"title": "x", "colour": "blue"}`,
	} {
		t.Run(name, func(t *testing.T) {
			r, err := decodeError(t, body)
			p := decodeProblem(t, renderError(t, r, err), http.StatusBadRequest)
			require.Equal(t, "https://guichet.dev/problems/invalid-argument", p.Type)
			require.Len(t, p.Violations, 1)
			require.Equal(t, "body", p.Violations[0].Field)
			require.Contains(t, p.Violations[0].Description, "malformed JSON")
		})
	}
}

// A service's InvalidArgument on a request whose body decoded fine is not about the body.
func TestProblemServiceInvalidArgumentAfterGoodBody(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/v1/calls", strings.NewReader(`{"title":"x"}`))
	var seen *http.Request
	trackBody(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r })).ServeHTTP(httptest.NewRecorder(), r)
	var call applicationsv1.Call
	require.NoError(t, newJSONMarshaler().NewDecoder(seen.Body).Decode(&call))
	err := grpcx.InvalidArgument(grpcx.Violation{Field: "call.title", Description: "too short"})
	p := decodeProblem(t, renderError(t, seen, err), http.StatusBadRequest)
	require.Equal(t, []Violation{{Field: "call.title", Description: "too short"}}, p.Violations)
}

func TestRoutingProblems(t *testing.T) {
	for _, code := range []int{http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusBadRequest} {
		w := httptest.NewRecorder()
		routingErrorHandler(context.Background(), nil, nil, w, httptest.NewRequest(http.MethodDelete, "/v1/nowhere", nil), code)
		p := decodeProblem(t, w.Result(), code)
		require.Equal(t, "about:blank", p.Type)
		require.Equal(t, http.StatusText(code), p.Title)
	}
}

// FuzzProblemRendering checks that any status a service may send renders as a well-formed
// problem whose status agrees with the code and which keeps every violation.
func FuzzProblemRendering(f *testing.F) {
	f.Add(uint32(3), "bad input", "application.title", "too long")
	f.Add(uint32(9), "wrong state", "", "")
	f.Add(uint32(13), "pq: \"secret\"\x00\xff", "a\"b", "<script>")
	f.Add(uint32(99), "", "", "")
	f.Fuzz(func(t *testing.T, code uint32, msg, field, desc string) {
		st := status.New(codes.Code(code), msg)
		if field != "" || desc != "" {
			if code == 0 || !utf8.ValidString(field) || !utf8.ValidString(desc) {
				t.Skip("an OK status has no details, and protobuf strings are UTF-8")
			}
			withDetails, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: desc}}})
			if err != nil {
				t.Fatal(err)
			}
			st = withDetails
		}
		w := httptest.NewRecorder()
		errorHandler(quietLogger())(context.Background(), nil, nil, w, httptest.NewRequest(http.MethodGet, "/", nil), st.Err())
		var p Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatalf("not JSON: %v: %q", err, w.Body.String())
		}
		if p.Status != w.Code || p.Status < 400 || p.Status > 599 {
			t.Fatalf("status %d in body, %d on the wire", p.Status, w.Code)
		}
		if p.Type == "" || p.Title == "" {
			t.Fatalf("incomplete problem %+v", p)
		}
		if field != "" || desc != "" {
			want := Violation{Field: field, Description: desc}
			if len(p.Violations) != 1 || p.Violations[0] != want {
				t.Fatalf("violations %+v, want %+v", p.Violations, want)
			}
		}
	})
}
