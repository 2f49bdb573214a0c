# kubectl-import — see README.md. Every tool is built from source into the git-ignored bin/.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c

# A semantic version, as krew requires: the tag (v1.2.3[-N-gHASH][-dirty]), else v0.0.0-gHASH[-dirty].
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || echo "v0.0.0-g$$(git describe --always --dirty 2>/dev/null || echo unknown)")
# Every timestamp in dist/ (reproducible archives and image): the last commit's time.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 315532800)
KREW_VERSION ?= v0.5.0
# The hub's Kubernetes, which every test cluster runs unless a test picks another: the newest
# release. The downstreams of the end-to-end tests also run at KUBE_OLDEST_VERSION, the newest
# patch of the oldest minor still supported upstream. Keep internal/testenv's defaults in step.
KUBE_VERSION ?= v1.37.2
KUBE_OLDEST_VERSION ?= v1.35.4
KUBE_VERSIONS := $(KUBE_VERSION) $(filter-out $(KUBE_VERSION),$(KUBE_OLDEST_VERSION))
# The demo and the benchmarks run the hub's version alone: the demo's downstreams too, unless
# DEMO_DOWNSTREAM_VERSION names another (e.g. DEMO_DOWNSTREAM_VERSION=$(KUBE_OLDEST_VERSION)).
DEMO_DOWNSTREAM_VERSION ?=
HUB_VERSIONS := $(strip $(KUBE_VERSION) $(filter-out $(KUBE_VERSION),$(DEMO_DOWNSTREAM_VERSION)))
ETCD_VERSION ?= v3.5.17
CONTROLLER_GEN_VERSION ?= v0.23.0
# staticcheck 2026.2.2, the newest release (building it needs Go >= 1.26).
STATICCHECK_VERSION ?= v0.8.2

BIN := $(CURDIR)/bin
TOOLS := $(BIN)/tools
CONTROLLER_GEN := $(TOOLS)/controller-gen
KREW := $(TOOLS)/krew
VALIDATE_KREW_MANIFEST := $(TOOLS)/validate-krew-manifest
STATICCHECK := $(TOOLS)/staticcheck
LDFLAGS := -s -w -X github.com/kubectl-import/kubectl-import/pkg/version.Version=$(VERSION)
GO_TEST_FLAGS ?=
# internal/testenv: where the control planes are (one directory per version) and which versions.
export KIMPORT_TEST_ASSETS := $(BIN)/k8s
export KIMPORT_KUBE_VERSIONS := $(KUBE_VERSIONS)

.PHONY: all help build generate verify-generated control-plane hub-control-plane tools test unit-test e2e-test fuzz lint demo bench bench-fleet clean dist image

all: build

help: ## the targets and what each does
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## bin/kubectl-import, bin/webhook and bin/kimport-agent, version stamped
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/kubectl-import ./cmd/kubectl-import
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/webhook ./cmd/webhook
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/kimport-agent ./cmd/kimport-agent

$(CONTROLLER_GEN):
	GOBIN=$(TOOLS) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)

$(KREW):
	GOBIN=$(TOOLS) go install sigs.k8s.io/krew/cmd/krew@$(KREW_VERSION)

$(VALIDATE_KREW_MANIFEST):
	GOBIN=$(TOOLS) go install sigs.k8s.io/krew/cmd/validate-krew-manifest@$(KREW_VERSION)

$(STATICCHECK):
	GOBIN=$(TOOLS) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

tools: $(CONTROLLER_GEN) $(KREW) $(VALIDATE_KREW_MANIFEST) ## controller-gen, krew and validate-krew-manifest into bin/tools

dist: ## reproducible plugin archives, checksums.txt and the krew manifest import.yaml in dist/
	go run ./hack/dist -version '$(VERSION)' -source-date-epoch '$(SOURCE_DATE_EPOCH)' -out dist

image: ## the webhook image (no container engine) as an OCI layout in dist/image; PUSH=ref to push
	go run ./hack/image -version '$(VERSION)' -source-date-epoch '$(SOURCE_DATE_EPOCH)' -out dist/image $(if $(PUSH),-push '$(PUSH)')

generate: $(CONTROLLER_GEN) ## deepcopy and the CRD from the Go types
	$(CONTROLLER_GEN) object paths=./pkg/apis/...
	$(CONTROLLER_GEN) crd:allowDangerousTypes=false paths=./pkg/apis/... output:crd:artifacts:config=deploy/base/crd

verify-generated: generate ## fails when generated files are stale
	@git diff --exit-code -- pkg/apis deploy/base/crd || { echo "generated files are stale: run 'make generate' and commit"; exit 1; }

control-plane: ## kube-apiserver (+k3s relink), kube-controller-manager, etcd from source, for each of KUBE_VERSIONS (the tests')
	ETCD_VERSION=$(ETCD_VERSION) hack/build-control-plane.sh $(KUBE_VERSIONS)

hub-control-plane: ## the same for KUBE_VERSION alone (and DEMO_DOWNSTREAM_VERSION when set): what the demo and the benchmarks run
	ETCD_VERSION=$(ETCD_VERSION) hack/build-control-plane.sh $(HUB_VERSIONS)

lint: $(STATICCHECK) ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed: $$out"; exit 1; }
	go vet ./...
	$(STATICCHECK) ./...

# -ldflags=-w: test binaries without DWARF link about a third faster (stack traces are unchanged).
unit-test: ## the fast tier: go test -short, no control plane (tests that need one skip, saying so); test/e2e is e2e-test's
	go test -short -ldflags=-w $(GO_TEST_FLAGS) $$(go list ./... | grep -v /test/e2e/)

test: lint verify-generated control-plane tools build ## every test (unit, integration and end-to-end), then a bounded fuzz run
	go test $(GO_TEST_FLAGS) -count=1 -timeout 40m ./...
	$(MAKE) fuzz

e2e-test: control-plane build ## the end-to-end tests alone: test/e2e, the plugin with the hub component and the agent
	go test $(GO_TEST_FLAGS) -count=1 -timeout 40m ./test/e2e/...

# Counts, not durations: a duration -fuzztime can fail with a bare "context deadline exceeded"
# when the deadline races a busy worker (a race in Go's fuzz coordinator, go.dev/issue/75804,
# not fixed in Go 1.26). Each count is about 15-20 s on a loaded 2-core machine.
FUZZ_EXECS ?= 100000x
FUZZ_EXECS_REDACT ?= 3000x
fuzz: ## each fuzzer for a bounded number of executions (seed corpora are in each package's testdata)
	go test ./pkg/validate -run '^$$' -fuzz '^FuzzParseCapabilities$$' -fuzztime $(FUZZ_EXECS)
	go test ./pkg/validate -run '^$$' -fuzz '^FuzzImportedCluster$$' -fuzztime $(FUZZ_EXECS)
	go test ./pkg/validate -run '^$$' -fuzz '^FuzzJSONSplit$$' -fuzztime $(FUZZ_EXECS)
	go test ./pkg/validate -run '^$$' -fuzz '^FuzzJoin$$' -fuzztime $(FUZZ_EXECS)
	go test ./pkg/validate -run '^$$' -fuzz '^FuzzMembers$$' -fuzztime $(FUZZ_EXECS)
	go test ./pkg/validate -run '^$$' -fuzz '^FuzzProjects$$' -fuzztime $(FUZZ_EXECS)
	go test ./pkg/k3s -run '^$$' -fuzz '^FuzzRedact$$' -fuzztime $(FUZZ_EXECS_REDACT)
	go test ./pkg/clustersync -run '^$$' -fuzz '^FuzzDecodeKept$$' -fuzztime $(FUZZ_EXECS)
	go test ./internal/bodylimit -run '^$$' -fuzz '^FuzzCount$$' -fuzztime $(FUZZ_EXECS)
	go test ./pkg/execinfo -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZ_EXECS)
	go test ./pkg/apis/gatewayapi -run '^$$' -fuzz '^FuzzParsePath$$' -fuzztime $(FUZZ_EXECS)
	go test ./pkg/gateway/access -run '^$$' -fuzz '^FuzzDecide$$' -fuzztime $(FUZZ_EXECS)
	go test ./pkg/gateway/access -run '^$$' -fuzz '^FuzzScrub$$' -fuzztime $(FUZZ_EXECS)

demo: hub-control-plane build ## the main job on a local hub and downstreams
	KIMPORT_KUBE_VERSIONS='$(HUB_VERSIONS)' hack/demo.sh

bench: hub-control-plane build ## admission latency and cost through the real API server (one run), validator, probe memory, webhook RSS
	go test ./pkg/validate -run '^$$' -bench . -benchmem
	go test ./pkg/hubca -run '^$$' -bench . -benchmem
	go test ./pkg/clustersync -run '^$$' -bench '^BenchmarkProbeMemory$$' -benchtime 1x
	go test ./pkg/admission -run '^$$' -bench '^BenchmarkAdmission$$' -benchtime 1x -timeout 30m
	go test ./pkg/plugin/list -run '^$$' -bench '^BenchmarkListFleet$$' -benchtime 1x -timeout 20m
	go test ./pkg/gateway/server -run '^$$' -bench '^BenchmarkGateway$$' -benchtime 1x -timeout 20m

# Fleet scale: one hub (real kube-apiserver and etcd, bin/webhook) and N simulated agent-mode
# clusters for each of FLEET_SIZES, then direct mode at FLEET_DIRECT with 10 % of the
# downstreams hanging (test/fleet says what is simulated). Not part of `make test`.
FLEET_SIZES ?= 1000 5000
FLEET_DIRECT ?= 1000
bench-fleet: hub-control-plane build ## hub CPU, RSS, writes/s and Unavailable detection with thousands of simulated clusters
	FLEET_SIZES='$(FLEET_SIZES)' FLEET_DIRECT='$(FLEET_DIRECT)' go test ./test/fleet -run '^$$' -bench '^BenchmarkFleet$$' -benchtime 1x -timeout 120m \
		-ldflags '-X github.com/kubectl-import/kubectl-import/pkg/version.Version=$(VERSION)'

clean: ## the binaries make build wrote
	rm -rf $(BIN)/kubectl-import $(BIN)/webhook $(BIN)/kimport-agent
