package grpcx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestEdgeGivesEveryErrorACode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want codes.Code
	}{
		{"a status passes", status.Error(codes.NotFound, "x"), codes.NotFound},
		{"database shutting down", fmt.Errorf("get: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection"}), codes.Unavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, codes.Unavailable},
		{"constraint violation", &pgconn.PgError{Code: "23505", Message: "duplicate key"}, codes.Internal},
		{"plain error", errors.New("failed to connect to user=guichet database=guichet: 127.0.0.1:5432"), codes.Internal},
		{"cancelled", context.Canceled, codes.Canceled},
	}
	// The caller's deadline passed while the handler waited on the database: its error need not
	// wrap the context's.
	t.Run("caller out of time", func(t *testing.T) {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		_, err := edgeUnary(slog.New(slog.DiscardHandler))(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/s.S/M"},
			func(context.Context, any) (any, error) { return nil, errors.New("timeout: conn closed") })
		if status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("code %v, want DeadlineExceeded (%v)", status.Code(err), err)
		}
	})
	edge := edgeUnary(slog.New(slog.DiscardHandler))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := edge(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/s.S/M"}, func(context.Context, any) (any, error) { return nil, tt.err })
			if got := status.Code(err); got != tt.want {
				t.Fatalf("code %v, want %v (%v)", got, tt.want, err)
			}
			if tt.want == codes.Internal && strings.Contains(err.Error(), "127.0.0.1") {
				t.Fatalf("the address leaked: %v", err)
			}
		})
	}
}
