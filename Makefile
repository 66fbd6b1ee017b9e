# gvisorfsm: everyday commands. `make help` lists them.
GO       ?= go
PKGS     ?= ./...
GOBIN    ?= $(shell $(GO) env GOPATH)/bin
STATICCHECK_VERSION ?= v0.8.2

.PHONY: help deps build run test test-short tlc diagrams lint ci bench conformance conformance-full mutants fuzz oci

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

# The two runsc lines every real-runsc test runs against: Debian's package and a current
# gVisor built by tools/install-runsc.sh into a cache outside the repository.
RUNSC_DEBIAN  ?= /usr/bin/runsc
RUNSC_CURRENT ?= $(shell tools/install-runsc.sh --path)
# The packages and tests that drive the real runsc, run once more on the second line.
REAL_PKGS  ?= ./runtime ./conformance ./cmd/gvisorfsm ./cmd/gvisorfsm-oci ./internal/ociclient
REAL_TESTS ?= ^(TestReal|TestEndToEnd|TestConcurrentRealRunsc|TestRunscObserverOnRealRunsc|TestPodman|TestContainerd|TestValidationSuite)

deps: ## install what the tests need on a fresh Debian machine (both runsc lines, busybox-static, the OCI clients and validation suite, Go modules)
	tools/install-runsc.sh
	tools/install-clients.sh
	$(GO) mod download

build: ## compile every package and command into bin/
	$(GO) build $(PKGS)
	$(GO) build -o bin/ ./cmd/...

run: deps build ## the main job: check the host, then run `uname -a` in a gVisor sandbox
	bin/gvisorfsm doctor
	bin/gvisorfsm run -- uname -a

tlc: ## model-check spec/ (official TLC when TLA2TOOLS_JAR is set, the Go engine otherwise)
	tools/tlc.sh

# The model checker's tests are CPU-bound: under the race detector the whole package
# would be several times slower, so it runs without it, and only the tests of its
# parallel search (-workers) run with it, on the corpus's small specs. The other packages run
# one at a time (-p 1): their real-runsc tests check that no process of theirs is left,
# and sandboxes of two packages starting and dying at once blur that check.
# -timeout 20m: the conformance package (300 fake cases, 200 histories, the real
# tier and the trace tier, all under the race detector) needs more than go test's
# default 10 minutes on a loaded 2-core machine; at 25m or more it would size its fake
# tier up to 1,000 cases, which is what `make conformance` runs.
RACE_PKGS ?= $(shell $(GO) list ./... | grep -v '/tla$$')

# go test shows a passing package's output only with -v, so the conformance
# summary table goes to a file (CONFORMANCE_SUMMARY), printed once the run ends.
SUMMARY ?= $(or $(TMPDIR),/tmp)/gvisorfsm-conformance-summary.txt
LEAKS   ?= $(or $(TMPDIR),/tmp)/leaks-before.txt
with-summary = rm -f $(SUMMARY); CONFORMANCE_SUMMARY=$(SUMMARY) $(1); rc=$$?; cat $(SUMMARY) 2>/dev/null; rm -f $(SUMMARY); exit $$rc

test: deps lint ## the test suite: lint, model check, every test (with the race detector where there is concurrency)
	tools/tlc.sh
	$(GO) test -count=1 ./tla
	$(GO) test -race -count=1 -run '(TestParallelSameAsOneWorker|TestWorkers)/(parallel|corpus)/^[^B]' ./tla
	tools/leaks.sh begin $(LEAKS)
	@echo "== runsc line: $$($(RUNSC_DEBIAN) --version | head -n 1) ($(RUNSC_DEBIAN))"
	$(call with-summary,RUNSC=$(RUNSC_DEBIAN) $(GO) test -race -count=1 -p 1 -timeout 20m $(RACE_PKGS))
	@echo "== runsc line: $$($(RUNSC_CURRENT) --version | head -n 1) ($(RUNSC_CURRENT))"
	$(call with-summary,RUNSC=$(RUNSC_CURRENT) $(GO) test -race -count=1 -p 1 -timeout 20m -run '$(REAL_TESTS)' $(REAL_PKGS))
	tools/leaks.sh end $(LEAKS)

test-short: ## unit tests only: no runsc, no root
	$(GO) test -short -count=1 $(PKGS)

diagrams: ## regenerate docs/lifecycle.md from the fsm package
	$(GO) test ./fsm -run TestLifecycleDoc -update

lint: ## gofmt, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GOBIN)/staticcheck $(PKGS)

ci: test ## what CI runs (.ci/run installs the packages first)

# The large-model comparison with TLC needs a checkout of github.com/tlaplus/Examples
# (TLA_EXAMPLES=its root) and, for the TLC columns, TLA2TOOLS_JAR; without them it
# says so and skips.
# BenchmarkRunTrue: a run's wall time spreads from 0.1 to 0.3 s on two cores, so each
# ratio is printed with its 90% interval. 200 iterations of the library and the direct
# call alone give 1,000 runs of each, and an interval of about ±1% on library/direct, in
# six minutes a line; RUN_TRUE_WAYS= (empty) adds the bare and go-runc ways, and
# RUN_TRUE_ITERATIONS=20x gives 100 runs of each (about ±4%).
RUN_TRUE_ITERATIONS ?= 200x
RUN_TRUE_WAYS ?= library,direct
export RUN_TRUE_WAYS

bench: ## benchmarks, printed side by side with their ratios; Run(/bin/true) on each runsc line
	@echo "== runsc line: $$($(RUNSC_DEBIAN) --version | head -n 1) ($(RUNSC_DEBIAN))"
	RUNSC=$(RUNSC_DEBIAN) $(GO) test -run '^$$' -bench . -skip '^(BenchmarkFakeTierCase|BenchmarkLargeModels|BenchmarkSynthetic50M|BenchmarkRunTrue)$$' -benchmem $(PKGS)
	RUNSC=$(RUNSC_DEBIAN) $(GO) test -run '^$$' -bench '^BenchmarkRunTrue$$' -benchtime $(RUN_TRUE_ITERATIONS) -timeout 30m ./runtime
	@echo "== runsc line: $$($(RUNSC_CURRENT) --version | head -n 1) ($(RUNSC_CURRENT))"
	RUNSC=$(RUNSC_CURRENT) $(GO) test -run '^$$' -bench '^BenchmarkRunTrue$$' -benchtime $(RUN_TRUE_ITERATIONS) -timeout 30m ./runtime
	$(GO) test -run '^$$' -bench '^BenchmarkFakeTierCase$$' -benchtime 30x ./conformance
	$(GO) test -run '^$$' -bench '^BenchmarkLargeModels$$' -benchtime 1x -timeout 90m ./cmd/tlacheck

conformance: ## the conformance tiers (fake 1,000 cases, 200 histories, real 30 cases), ending with their summary table; the real tier on each runsc line
	tools/leaks.sh begin $(LEAKS)
	$(call with-summary,RUNSC=$(RUNSC_DEBIAN) $(GO) test -count=1 -timeout 30m ./conformance)
	$(call with-summary,RUNSC=$(RUNSC_CURRENT) $(GO) test -count=1 -timeout 30m -run '$(REAL_TESTS)' ./conformance)
	tools/leaks.sh end $(LEAKS)

conformance-full: ## the same with the real tier at full size (100 cases, over 3,000 runsc calls)
	$(call with-summary,CONFORMANCE_FULL=1 $(GO) test -count=1 -timeout 60m ./conformance)

# The tests of internal/ociclient run the validation suite's lifecycle programs by default;
# OCI_VALIDATION_RUN=. runs all 58 (8 to 14 minutes per runtime per line here).
OCI_TESTS ?= ^(TestPodman|TestContainerd|TestValidationSuite)$$
oci: deps ## podman, containerd and the whole OCI validation suite against raw runsc (and the front-end when built), on each runsc line
	RUNSC=$(RUNSC_DEBIAN) OCI_VALIDATION_RUN=. $(GO) test -v -count=1 -timeout 120m -run '$(OCI_TESTS)' ./internal/ociclient
	RUNSC=$(RUNSC_CURRENT) OCI_VALIDATION_RUN=. $(GO) test -v -count=1 -timeout 120m -run '$(OCI_TESTS)' ./internal/ociclient

mutants: ## apply each seeded runtime bug in conformance/mutants to a scratch copy; every one must be killed
	conformance/mutants/run.sh

FUZZTIME ?= 10m
fuzz: ## fuzz the TLA+ module and cfg parsers for FUZZTIME each
	$(GO) test ./tla -run '^$$' -fuzz '^FuzzParseModule$$' -fuzztime $(FUZZTIME)
	$(GO) test ./tla -run '^$$' -fuzz '^FuzzParseConfig$$' -fuzztime $(FUZZTIME)
