package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/auth/authtest"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/grpcx/grpcxtest"
	"github.com/guichet/guichet/platform/ids"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

// fakePayments stands for the payments service: the gateway's wiring is under test, not the rules.
type fakePayments struct {
	paymentsv1.UnimplementedPaymentServiceServer
	// traceparent is the W3C trace context of the last CreatePaymentBatch.
	traceparent *atomic.Value
}

func (f fakePayments) CreatePaymentBatch(ctx context.Context, req *paymentsv1.CreatePaymentBatchRequest) (*paymentsv1.PaymentBatch, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.traceparent.Store(strings.Join(md.Get("traceparent"), ","))
	return &paymentsv1.PaymentBatch{Name: "payment-batches/b1", Tranches: req.GetTranches(), State: "EXPORTED", CreatedBy: auth.FromContext(ctx).Subject}, nil
}

func (fakePayments) GetPain001(context.Context, *paymentsv1.GetPain001Request) (*httpbody.HttpBody, error) {
	return &httpbody.HttpBody{ContentType: "application/xml", Data: []byte(`<?xml version="1.0"?><Document/>`)}, nil
}

func (fakePayments) GetCallBudget(_ context.Context, req *paymentsv1.GetCallBudgetRequest) (*paymentsv1.CallBudget, error) {
	return nil, status.Errorf(codes.NotFound, "%s not found", req.GetName())
}

func (fakePayments) CertifyTranche(context.Context, *paymentsv1.CertifyTrancheRequest) (*paymentsv1.Tranche, error) {
	return nil, status.Error(codes.FailedPrecondition, "the tranche has no milestone report")
}

type wired struct {
	h       http.Handler
	iss     *authtest.Issuer
	service fakePayments
}

func newWiredGateway(t *testing.T) wired {
	t.Helper()
	iss := authtest.New(t)
	srv, err := grpcx.NewServer(grpcx.ServerOptions{
		Policy: auth.Policy{
			paymentsv1.PaymentService_CreatePaymentBatch_FullMethodName: auth.Allow(auth.Accountant),
			paymentsv1.PaymentService_GetPain001_FullMethodName:         auth.Allow(auth.Accountant, auth.Auditor),
			paymentsv1.PaymentService_GetCallBudget_FullMethodName:      auth.Anyone,
			paymentsv1.PaymentService_CertifyTranche_FullMethodName:     auth.Allow(auth.ProgrammeOfficer),
		},
		Verifier: iss.Verifier,
		Logger:   quietLogger(),
	})
	require.NoError(t, err)
	fake := fakePayments{traceparent: &atomic.Value{}}
	paymentsv1.RegisterPaymentServiceServer(srv, fake)
	conn := grpcxtest.Serve(t, srv)
	h := newTestGateway(t, Options{Applications: conn, Review: conn, Payments: conn, Verifier: iss.Verifier, RateLimitPerMinute: 1000})
	return wired{h: h, iss: iss, service: fake}
}

func (g wired) do(method, path, token, body string, header ...string) *http.Response {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, path, nil)
	} else {
		r = httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	r.RemoteAddr = "203.0.113.9:5000"
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	g.h.ServeHTTP(w, r)
	return w.Result()
}

func TestGatewayCreateAnswers201(t *testing.T) {
	g := newWiredGateway(t)
	accountant := g.iss.Token(auth.Accountant, "accountant-"+ids.New(), "")
	resp := g.do(http.MethodPost, "/v1/payment-batches", accountant, `{"tranches":["tranches/t1"]}`)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	require.Equal(t, "/v1/payment-batches/b1", resp.Header.Get("Location"))
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	var got map[string]any
	require.NoError(t, json.Unmarshal(body, &got))
	// The token reached the service, which saw its subject.
	require.True(t, strings.HasPrefix(got["createdBy"].(string), "accountant-"))
	// lowerCamelCase, and zero values emitted.
	require.Contains(t, got, "totalCents")
	require.Contains(t, got, "requestedExecutionDate")
	require.Contains(t, got, "createTime")
	require.NotContains(t, got, "total_cents")
}

func TestGatewayForwardsTraceContext(t *testing.T) {
	previous := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(previous) })

	g := newWiredGateway(t)
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	resp := g.do(http.MethodPost, "/v1/payment-batches", g.iss.Token(auth.Accountant, "accountant-1", ""), `{"tranches":["tranches/t1"]}`,
		"traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	got, _ := g.service.traceparent.Load().(string)
	require.Contains(t, got, traceID, "the service joins the caller's trace")
}

func TestGatewayIdempotentCreate(t *testing.T) {
	g := newWiredGateway(t)
	accountant := g.iss.Token(auth.Accountant, "accountant-"+ids.New(), "")
	key := ids.New()
	first := g.do(http.MethodPost, "/v1/payment-batches", accountant, `{"tranches":["tranches/t1"]}`, "Idempotency-Key", key)
	require.Equal(t, http.StatusCreated, first.StatusCode)
	again := g.do(http.MethodPost, "/v1/payment-batches", accountant, `{"tranches":["tranches/t1"]}`, "Idempotency-Key", key)
	require.Equal(t, http.StatusCreated, again.StatusCode)
	require.Equal(t, "true", again.Header.Get("Idempotency-Replayed"))
	require.Equal(t, "/v1/payment-batches/b1", again.Header.Get("Location"))
	decodeProblem(t, g.do(http.MethodPost, "/v1/payment-batches", accountant, `{"tranches":["tranches/t2"]}`, "Idempotency-Key", key), http.StatusUnprocessableEntity)
}

func TestGatewayProblems(t *testing.T) {
	g := newWiredGateway(t)
	accountant := g.iss.Token(auth.Accountant, "accountant-1", "")

	t.Run("anonymous on a closed method", func(t *testing.T) {
		resp := g.do(http.MethodPost, "/v1/payment-batches", "", `{"tranches":["tranches/t1"]}`)
		decodeProblem(t, resp, http.StatusUnauthorized)
		require.True(t, strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer"))
	})
	t.Run("wrong role", func(t *testing.T) {
		p := decodeProblem(t, g.do(http.MethodPost, "/v1/payment-batches", g.iss.Token(auth.Auditor, "auditor-1", ""), `{"tranches":["tranches/t1"]}`), http.StatusForbidden)
		require.Equal(t, "https://guichet.dev/problems/permission-denied", p.Type)
	})
	t.Run("violations from the service", func(t *testing.T) {
		p := decodeProblem(t, g.do(http.MethodPost, "/v1/payment-batches", accountant, `{"tranches":["not-a-tranche"]}`), http.StatusBadRequest)
		require.NotEmpty(t, p.Violations)
		require.True(t, strings.HasPrefix(p.Violations[0].Field, "tranches"), "field %q", p.Violations[0].Field)
	})
	t.Run("malformed JSON", func(t *testing.T) {
		p := decodeProblem(t, g.do(http.MethodPost, "/v1/payment-batches", accountant, `{"tranches":[`), http.StatusBadRequest)
		require.Equal(t, "body", p.Violations[0].Field)
		require.Contains(t, p.Violations[0].Description, "malformed JSON")
	})
	t.Run("unknown field", func(t *testing.T) {
		p := decodeProblem(t, g.do(http.MethodPost, "/v1/payment-batches", accountant, `{"tranches":["tranches/t1"],"amount":1}`), http.StatusBadRequest)
		require.Equal(t, "body", p.Violations[0].Field)
		require.Contains(t, p.Violations[0].Description, "amount")
	})
	t.Run("not found", func(t *testing.T) {
		p := decodeProblem(t, g.do(http.MethodGet, "/v1/calls/c1/budget", "", ""), http.StatusNotFound)
		require.Equal(t, "https://guichet.dev/problems/not-found", p.Type)
		require.Equal(t, "calls/c1/budget not found", p.Detail)
	})
	t.Run("wrong state", func(t *testing.T) {
		p := decodeProblem(t, g.do(http.MethodPost, "/v1/tranches/t1:certify", g.iss.Token(auth.ProgrammeOfficer, "officer-1", ""), `{}`), http.StatusConflict)
		require.Equal(t, "https://guichet.dev/problems/failed-precondition", p.Type)
	})
	t.Run("unknown route", func(t *testing.T) {
		p := decodeProblem(t, g.do(http.MethodGet, "/v1/nowhere", "", ""), http.StatusNotFound)
		require.Equal(t, "about:blank", p.Type)
	})
	t.Run("wrong method", func(t *testing.T) {
		decodeProblem(t, g.do(http.MethodDelete, "/v1/payment-batches", accountant, ""), http.StatusMethodNotAllowed)
	})
}

func TestGatewayServesHTTPBodyRaw(t *testing.T) {
	g := newWiredGateway(t)
	resp := g.do(http.MethodGet, "/v1/payment-batches/b1/pain001.xml", g.iss.Token(auth.Accountant, "accountant-1", ""), "")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Equal(t, "application/xml", resp.Header.Get("Content-Type"))
	require.Equal(t, `<?xml version="1.0"?><Document/>`, string(body))
}

func TestGatewayUnavailableService(t *testing.T) {
	// idleConn points at a closed port.
	h := newTestGateway(t, Options{})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/calls", nil))
	p := decodeProblem(t, w.Result(), http.StatusServiceUnavailable)
	require.NotContains(t, p.Detail, "127.0.0.1", "connection details stay in the logs")
}

func TestNewRefusesIncompleteOptions(t *testing.T) {
	conn := idleConn(t)
	iss := authtest.New(t)
	rdb := testRedis(t)
	full := Options{Applications: conn, Review: conn, Payments: conn, Verifier: iss.Verifier, Redis: rdb}
	for name, change := range map[string]func(*Options){
		"no connection":         func(o *Options) { o.Review = nil },
		"no verifier":           func(o *Options) { o.Verifier = nil },
		"no redis":              func(o *Options) { o.Redis = nil },
		"negative rate":         func(o *Options) { o.RateLimitPerMinute = -1 },
		"issuer without a path": func(o *Options) { o.DevIssuer = http.NotFoundHandler() },
	} {
		t.Run(name, func(t *testing.T) {
			o := full
			change(&o)
			_, err := New(context.Background(), o)
			require.Error(t, err)
		})
	}
	_, err := New(context.Background(), full)
	require.NoError(t, err)
}
