#!/usr/bin/env bash
# Fails when the committed generated code differs from what the protos generate now.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin/buf generate --path proto/guichet -o "$tmp"
diff -r "$tmp/proto/gen" proto/gen && diff -r "$tmp/gateway/openapi" gateway/openapi || {
  echo "generated code is stale: run 'make generate' and commit the result" >&2
  exit 1
}
