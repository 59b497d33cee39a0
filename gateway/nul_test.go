package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/stretchr/testify/require"

	applicationsv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

func TestNULIsRefusedNamingTheField(t *testing.T) {
	app := &applicationsv1.Application{Title: "ok", Milestones: []*applicationsv1.Milestone{{Title: "a"}, {Title: "b\x00"}}}
	err := checkNUL(&app) // as the generated code decodes a body that is a field of the request
	require.Error(t, err)
	ctx := runtime.NewServerMetadataContext(context.Background(), runtime.ServerMetadata{})
	ctx, err2 := runtime.AnnotateIncomingContext(ctx, runtime.NewServeMux(), httptest.NewRequest(http.MethodPost, "/v1/calls/c/applications", nil),
		applicationsv1.ApplicationService_CreateApplication_FullMethodName)
	require.NoError(t, err2)
	p := nulViolation(ctx, err.(*nulError))
	require.Equal(t, 400, p.Status)
	require.Equal(t, "application.milestones[1].title", p.Violations[0].Field)
	require.NoError(t, checkNUL(&applicationsv1.Application{Title: "fine é 🚀"}))
	require.Error(t, checkNUL(&applicationsv1.CreateCallRequest{CallId: "\x00"}))
	var none *applicationsv1.Application
	require.NoError(t, checkNUL(&none))
}

// FuzzCheckNUL: a body is refused exactly when one of its strings holds a NUL, wherever it is.
func FuzzCheckNUL(f *testing.F) {
	for _, s := range []string{"", "plain", "a\x00b", "\x00", "é🚀", "\xff\x00"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, title, dataset string) {
		app := &applicationsv1.Application{Title: title, Datasets: []string{dataset},
			BankAccount: &applicationsv1.BankAccount{Holder: title}}
		err := checkNUL(&app)
		want := strings.ContainsRune(title, 0) || strings.ContainsRune(dataset, 0)
		if (err != nil) != want {
			t.Fatalf("checkNUL(%q, %q) = %v", title, dataset, err)
		}
	})
}
