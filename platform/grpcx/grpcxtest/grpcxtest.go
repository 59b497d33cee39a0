// Package grpcxtest serves a gRPC server on a loopback port for a test and dials it.
package grpcxtest

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"

	"github.com/guichet/guichet/platform/grpcx"
)

// Serve runs srv on a free loopback port until the test ends and returns a client connection to it.
func Serve(t testing.TB, srv *grpcx.Server) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ctx, lis)
	}()
	conn, err := grpcx.Dial(lis.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		<-done
	})
	return conn
}
