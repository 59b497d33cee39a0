// Package grpcx builds guichet's gRPC servers and clients the same way everywhere: OpenTelemetry,
// structured logs, panic recovery, the auth policy, protovalidate rules, health and reflection.
package grpcx

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"

	"buf.build/go/protovalidate"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
)

// ServerOptions configure NewServer.
type ServerOptions struct {
	Policy   auth.Policy
	Verifier auth.TokenVerifier
	Logger   *slog.Logger
}

// Server is a gRPC server with its health service.
type Server struct {
	*grpc.Server
	Health *health.Server
}

// NewServer returns a gRPC server whose every call is traced, logged, recovered from panics,
// authorized by the policy and validated against the protos' rules, in that order.
func NewServer(opts ServerOptions) (*Server, error) {
	validator, err := protovalidate.New()
	if err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	recover := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in gRPC handler", "panic", p, "stack", string(debug.Stack()))
		return status.Error(codes.Internal, "internal error")
	})
	logOpts := []logging.Option{logging.WithLogOnEvents(logging.FinishCall)}
	srv := grpc.NewServer(
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(
			logging.UnaryServerInterceptor(slogAdapter(logger), logOpts...),
			edgeUnary(logger),
			recovery.UnaryServerInterceptor(recover),
			opts.Policy.UnaryServerInterceptor(opts.Verifier),
			validateUnary(validator),
		),
		grpc.ChainStreamInterceptor(
			logging.StreamServerInterceptor(slogAdapter(logger), logOpts...),
			recovery.StreamServerInterceptor(recover),
			opts.Policy.StreamServerInterceptor(opts.Verifier),
		),
	)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)
	return &Server{Server: srv, Health: hs}, nil
}

// Serve listens on addr and serves until ctx ends, then stops gracefully.
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.Server.Serve(lis) }()
	select {
	case <-ctx.Done():
		s.Health.Shutdown()
		s.GracefulStop()
		return nil
	case err := <-errc:
		return fmt.Errorf("grpc server on %s: %w", lis.Addr(), err)
	}
}

func slogAdapter(l *slog.Logger) logging.Logger {
	return logging.LoggerFunc(func(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
		l.Log(ctx, slog.Level(lvl), msg, fields...)
	})
}
