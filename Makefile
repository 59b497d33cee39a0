# guichet: `make run` starts the platform, `make test` runs every test. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
BIN := $(CURDIR)/bin
MODULES := proto platform services/applications services/review services/payments workflows gateway web cmd/guichet
PACKAGES := $(addprefix ./,$(addsuffix /...,$(MODULES)))
GO_TEST_FLAGS ?= -count=1 -timeout 25m

.PHONY: dsfr run test test-go bench chaos fuzz fuzz-go lint generate tools build proto-deps clean

## run: install what is missing, build, start the whole platform, seed the demo call, print the URLs
run: build
	$(BIN)/guichet dev

## test: install what is missing, start throwaway components, run every test, stop them
test: build
	$(BIN)/guichet testenv -- $(MAKE) --no-print-directory test-go

test-go:
	go test $(GO_TEST_FLAGS) $(PACKAGES)

## bench: the four stages of docs/performance.md on throwaway components: the deadline rush and its
## ceilings (healthz, a plain Go handler, pgbench, raw Temporal starts), a second rush with Temporal
## stopped and its backlog drained, the whole lifecycle, selection and assignment at 100,000 × 1,000
BENCH_FLAGS ?= --applicants 4000 --concurrency 64 --backlog 4000 --lifecycle 200 --selection 100000 --reviewers 1000
bench: build
	$(BIN)/guichet testenv --nice 19 -- $(BIN)/guichet bench $(BENCH_FLAGS) --out artifacts/bench.json --profile artifacts/profiles

## chaos: the lifecycle of CHAOS_APPLICATIONS applications while the worker and the payments service
## are SIGKILLed, Temporal and PostgreSQL restarted and Redis stopped; it starts and stops its own
## components, then checks the invariants (docs/reliability.md). CHAOS_FLAGS=--seed N replays a run.
CHAOS_APPLICATIONS ?= 200
CHAOS_FLAGS ?=
chaos: build
	$(BIN)/guichet chaos --applications $(CHAOS_APPLICATIONS) $(CHAOS_FLAGS)

## fuzz: every Fuzz* target of the repository fuzzed FUZZTIME each (default 30s) on throwaway
## components (the gateway's target runs a platform per worker); `make test` runs only their seeds
FUZZTIME ?= 30s
FUZZ_WORKERS ?= 4
fuzz: build
	$(BIN)/guichet testenv -- $(MAKE) --no-print-directory fuzz-go

fuzz-go:
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' $(MODULES) | xargs -n1 dirname | sort -u); do \
	  for target in $$(cd $$dir && go test -list '^Fuzz' . | grep '^Fuzz'); do \
	    echo "== $$dir $$target"; \
	    (cd $$dir && go test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -parallel $(FUZZ_WORKERS) .); \
	  done; \
	done

## dsfr: install the State design system (@gouvfr/dsfr, licence Etalab 2.0, for State deployments
## only) into .dsfr/ for GUICHET_WEB_THEME=dsfr GUICHET_DSFR_DIR=$(CURDIR)/.dsfr; its terms first:
## https://www.systeme-de-design.gouv.fr/ (run with ACCEPT_DSFR_TERMS=yes once accepted)
DSFR_VERSION ?= 1.15.3
dsfr:
	@if [ "$(ACCEPT_DSFR_TERMS)" != "yes" ]; then \
	  echo "DSFR is reserved to French State websites; read its terms at https://www.systeme-de-design.gouv.fr/"; \
	  echo "then run: make dsfr ACCEPT_DSFR_TERMS=yes"; exit 1; fi
	mkdir -p .dsfr
	npm install --prefix .dsfr --no-audit --no-fund --no-save @gouvfr/dsfr@$(DSFR_VERSION)
	test -f .dsfr/node_modules/@gouvfr/dsfr/dist/dsfr.min.css
	@echo "DSFR $(DSFR_VERSION) in .dsfr: start with GUICHET_WEB_THEME=dsfr GUICHET_DSFR_DIR=$(CURDIR)/.dsfr"

## build: the guichet binary in bin/
build: tools
	go build -o $(BIN)/guichet ./cmd/guichet

## tools: the pinned tools of tools/go.mod (buf, protoc plugins, temporal CLI, linters) and of
## tools/mailpit/go.mod (mailpit, in its own module: it needs tablewriter v1, the temporal CLI v0) in bin/
tools: $(BIN)/.tools-stamp
$(BIN)/.tools-stamp: tools/go.mod tools/go.sum tools/mailpit/go.mod tools/mailpit/go.sum
	cd tools && GOWORK=off GOBIN=$(BIN) go install tool
	cd tools/mailpit && GOWORK=off GOBIN=$(BIN) go install tool
	touch $@

## proto-deps: the imported protos, copied from Go modules into .proto-deps/
proto-deps:
	scripts/proto-deps.sh

## generate: Go code and the OpenAPI document from the protos
generate: tools proto-deps
	rm -rf proto/gen gateway/openapi
	$(BIN)/buf generate --path proto/guichet

## lint: formatting, vet, staticcheck, errcheck, workflowcheck, buf lint, generated code up to date
lint: tools proto-deps
	@test -z "$$(gofmt -l $(MODULES))" || { echo "gofmt needed:"; gofmt -l $(MODULES); exit 1; }
	go vet $(PACKAGES)
	$(BIN)/staticcheck $(PACKAGES)
	$(BIN)/errcheck -ignoretests $(PACKAGES)
	$(BIN)/workflowcheck ./workflows/...
	$(BIN)/buf lint --path proto/guichet
	scripts/check-generated.sh

clean:
	rm -rf bin .proto-deps
