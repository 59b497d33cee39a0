// Package proto holds the code generated from guichet's protos (proto/guichet/...): messages, gRPC
// stubs and grpc-gateway handlers. Regenerate with `make generate`; never edit proto/gen by hand.
package proto
