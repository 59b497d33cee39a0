package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ProblemContentType is the media type of every error response (RFC 9457).
const ProblemContentType = "application/problem+json"

const problemBase = "https://guichet.dev/problems/"

// Problem is an RFC 9457 problem details document, the body of every error response.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// Violations name the bad fields of a request by their JSON path (application.applicant.siret).
	Violations []Violation `json:"violations,omitempty"`
}

// Violation is one bad field of a request.
type Violation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

type codeProblem struct {
	slug, title string
	// hideDetail keeps server-side messages (SQL errors, addresses) away from clients; they are logged.
	hideDetail bool
}

var codeProblems = map[codes.Code]codeProblem{
	codes.Canceled:           {"canceled", "Request canceled", false},
	codes.Unknown:            {"unknown", "Unknown error", true},
	codes.InvalidArgument:    {"invalid-argument", "Invalid argument", false},
	codes.DeadlineExceeded:   {"deadline-exceeded", "Deadline exceeded", false},
	codes.NotFound:           {"not-found", "Not found", false},
	codes.AlreadyExists:      {"already-exists", "Already exists", false},
	codes.PermissionDenied:   {"permission-denied", "Permission denied", false},
	codes.ResourceExhausted:  {"resource-exhausted", "Resource exhausted", false},
	codes.FailedPrecondition: {"failed-precondition", "Failed precondition", false},
	codes.Aborted:            {"aborted", "Aborted", false},
	codes.OutOfRange:         {"out-of-range", "Out of range", false},
	codes.Unimplemented:      {"unimplemented", "Not implemented", false},
	codes.Internal:           {"internal", "Internal error", true},
	codes.Unavailable:        {"unavailable", "Service unavailable", true},
	codes.DataLoss:           {"data-loss", "Data loss", true},
	codes.Unauthenticated:    {"unauthenticated", "Unauthenticated", false},
}

// httpStatus is grpc-gateway's mapping, except that a wrong state is a conflict, as API.md says.
func httpStatus(c codes.Code) int {
	if c == codes.FailedPrecondition {
		return http.StatusConflict
	}
	return runtime.HTTPStatusFromCode(c)
}

// problemFromStatus renders a gRPC status, with the field violations of its BadRequest details.
func problemFromStatus(st *status.Status) Problem {
	cp, ok := codeProblems[st.Code()]
	if !ok {
		cp = codeProblems[codes.Unknown]
	}
	p := Problem{Type: problemBase + cp.slug, Title: cp.title, Status: httpStatus(st.Code()), Detail: st.Message()}
	if p.Status < 400 {
		// Only an OK status maps below 400, and an error handler given no error has a bug to report.
		p.Status = http.StatusInternalServerError
	}
	if cp.hideDetail {
		p.Detail = "the request could not be completed; retry later or report the problem"
		if st.Code() == codes.Unavailable {
			p.Detail = "a service is unavailable; retry later"
		}
	}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				p.Violations = append(p.Violations, Violation{Field: fv.GetField(), Description: fv.GetDescription()})
			}
		}
	}
	return p
}

// httpProblem is a problem of the HTTP layer itself, with no more specific type than its status.
func httpProblem(code int, detail string) Problem {
	return Problem{Type: "about:blank", Title: http.StatusText(code), Status: code, Detail: detail}
}

// malformedBody is the problem of a request body that does not decode into the method's message.
func malformedBody(err error) Problem {
	reason := strings.TrimPrefix(err.Error(), "proto: ")
	return Problem{
		Type:       problemBase + "invalid-argument",
		Title:      "Invalid argument",
		Status:     http.StatusBadRequest,
		Detail:     "the request body is not valid JSON for this method",
		Violations: []Violation{{Field: "body", Description: "malformed JSON: " + reason}},
	}
}

func tooLarge() Problem {
	return httpProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body exceeds %d bytes", maxBodyBytes))
}

func unauthenticated(detail string) Problem {
	return Problem{Type: problemBase + "unauthenticated", Title: "Unauthenticated", Status: http.StatusUnauthorized, Detail: detail}
}

// writeProblem sends p. A 401 always names the scheme the client must use.
func writeProblem(w http.ResponseWriter, p Problem) {
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Trailer")
	h.Del("Transfer-Encoding")
	h.Set("Content-Type", ProblemContentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if p.Status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", `Bearer realm="guichet"`)
	}
	body, err := json.Marshal(p)
	if err != nil {
		// A Problem holds only strings and ints: this cannot fail, but never answer with nothing.
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":""}`)
	}
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

// errorHandler is the mux's error handler: every error of a proxied call becomes a problem.
func errorHandler(logger *slog.Logger) runtime.ErrorHandlerFunc {
	return func(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
		writeProblem(w, problemFromError(ctx, logger, r, err))
	}
}

// problemFromError turns an error of grpc-gateway or of a service into a problem. Decoding errors
// are recognised by the request body that saw them, because the generated code flattens them into
// an InvalidArgument string indistinguishable from a service's.
func problemFromError(ctx context.Context, logger *slog.Logger, r *http.Request, err error) Problem {
	if tb, ok := r.Body.(*trackedBody); ok && tb.decodeErr != nil {
		var mbe *http.MaxBytesError
		if errors.As(tb.decodeErr, &mbe) {
			return tooLarge()
		}
		var nul *nulError
		if errors.As(tb.decodeErr, &nul) {
			return nulViolation(ctx, nul)
		}
		return malformedBody(tb.decodeErr)
	}
	var hse *runtime.HTTPStatusError
	if errors.As(err, &hse) {
		return httpProblem(hse.HTTPStatus, status.Convert(hse.Err).Message())
	}
	st := status.Convert(err)
	p := problemFromStatus(st)
	if p.Status >= 500 && logger != nil {
		logger.ErrorContext(ctx, "request failed", "method", r.Method, "path", r.URL.Path,
			"code", st.Code().String(), "error", st.Message())
	}
	return p
}

// routingErrorHandler answers requests that match no route (404) or no method of a route (405).
func routingErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, code int) {
	switch code {
	case http.StatusNotFound:
		writeProblem(w, httpProblem(code, "no route matches "+r.URL.Path))
	case http.StatusMethodNotAllowed:
		writeProblem(w, httpProblem(code, fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)))
	default:
		writeProblem(w, httpProblem(code, "the request could not be routed"))
	}
}
