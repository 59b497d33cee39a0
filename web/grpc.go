package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// as is the request's context carrying the signed-in person's own token to the services.
func (c *console) as(r *http.Request, sess session) context.Context {
	return metadata.AppendToOutgoingContext(r.Context(), "authorization", "Bearer "+sess.Token)
}

// httpStatus is the HTTP status of a service's answer, for the pages and the event stream alike.
func httpStatus(code codes.Code) int {
	switch code {
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.NotFound:
		return http.StatusNotFound
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.InvalidArgument:
		return http.StatusBadRequest
	case codes.FailedPrecondition:
		return http.StatusConflict
	default:
		return http.StatusBadGateway
	}
}

// grpcFail turns a service's refusal into a page: the services decide, the console explains.
func (c *console) grpcFail(w http.ResponseWriter, r *http.Request, sess session, err error) {
	st := status.Convert(err)
	code := httpStatus(st.Code())
	switch code {
	case http.StatusUnauthorized:
		_ = c.sessions.destroy(r.Context(), w, sess)
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	case http.StatusNotFound:
		c.fail(w, r, code, "Cette page n'existe pas ou ne vous est pas accessible.", err)
	case http.StatusForbidden:
		c.fail(w, r, code, "Votre rôle ne permet pas cette action.", err)
	case http.StatusBadRequest:
		c.fail(w, r, code, "Saisie refusée : "+st.Message(), err)
	case http.StatusConflict:
		c.fail(w, r, code, "Action impossible pour l'instant : "+st.Message(), err)
	default:
		c.fail(w, r, code, "Un service est momentanément indisponible.", err)
	}
}

// formError is the message shown above a form the service refused, or "" when err is not about
// the input (the caller then shows an error page).
func formError(err error) string {
	st := status.Convert(err)
	if st.Code() == codes.InvalidArgument || st.Code() == codes.FailedPrecondition {
		return st.Message()
	}
	return ""
}

// euros formats cents as French euros: 1 234 567,89 €.
func euros(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	whole := fmt.Sprint(cents / 100)
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteRune('\u202f')
		}
		b.WriteRune(d)
	}
	s := fmt.Sprintf("%s,%02d\u00a0€", b.String(), cents%100)
	if neg {
		return "−" + s
	}
	return s
}

// score formats a score the French way (3,5).
func score(v float64) string {
	return strings.Replace(strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.2f", v), "0"), ".0"), ".", ",", 1)
}

// halfSteps are the allowed scores, 0 to 5 by 0.5.
func halfSteps() []float64 {
	out := make([]float64, 0, 11)
	for i := 0; i <= 10; i++ {
		out = append(out, float64(i)/2)
	}
	return out
}

// lastSegment is the id at the end of a resource name.
func lastSegment(name string) string { return name[strings.LastIndex(name, "/")+1:] }
