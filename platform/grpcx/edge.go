package grpcx

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// edgeUnary gives every error that leaves a service a gRPC code: an error a handler returned
// without one becomes Unavailable when the database (or the network to it) is down, so clients
// retry, and Internal otherwise. Either way the original is logged, never sent: it may name
// addresses and queries.
func edgeUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err == nil {
			return resp, nil
		}
		if _, ok := status.FromError(err); ok {
			return resp, err
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, status.FromContextError(err).Err()
		}
		// The caller went away or ran out of time, whatever error that made the handler's call
		// fail with.
		if ctx.Err() != nil {
			return nil, status.FromContextError(ctx.Err()).Err()
		}
		if Unavailable(err) {
			logger.WarnContext(ctx, "dependency unavailable", "method", info.FullMethod, "error", err)
			return nil, status.Error(codes.Unavailable, "a dependency of the service is unavailable; retry later")
		}
		logger.ErrorContext(ctx, "internal error", "method", info.FullMethod, "error", err)
		return nil, status.Error(codes.Internal, "internal error")
	}
}

// Unavailable reports whether err means the database could not be reached or is shutting down
// or starting: a retry may succeed.
func Unavailable(err error) bool {
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; class 57: operator intervention (shutdown, starting up).
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57")
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	return pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "unexpected EOF")
}
