#!/usr/bin/env bash
# Copies the protos that guichet's protos import from Go modules into .proto-deps/ (ignored):
# no network registry is needed, only the Go module proxy (or its cache).
set -euo pipefail
cd "$(dirname "$0")/.."
out=.proto-deps
dir() { GOFLAGS=-mod=mod GOWORK=off go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'; }
gw1=$(dir github.com/grpc-ecosystem/grpc-gateway@v1.16.0)
gw2=$(dir github.com/grpc-ecosystem/grpc-gateway/v2@v2.33.0)
pv=$(dir github.com/bufbuild/protovalidate@v1.2.2)
rm -rf "$out"; mkdir -p "$out/google/api" "$out/buf/validate" "$out/protoc-gen-openapiv2/options"
cp "$gw1"/third_party/googleapis/google/api/{annotations,http,httpbody}.proto "$out/google/api/"
cp "$pv"/proto/protovalidate/buf/validate/validate.proto "$out/buf/validate/"
cp "$gw2"/protoc-gen-openapiv2/options/{annotations,openapiv2}.proto "$out/protoc-gen-openapiv2/options/"
chmod -R u+w "$out"
