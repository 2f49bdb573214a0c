# kubectl-import — see README.md. Every tool is built from source into the git-ignored bin/.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)
KUBE_VERSION ?= v1.32.4
ETCD_VERSION ?= v3.5.17
CONTROLLER_GEN_VERSION ?= v0.17.2

BIN := $(CURDIR)/bin
TOOLS := $(BIN)/tools
K8S_BIN := $(BIN)/k8s/$(KUBE_VERSION)
CONTROLLER_GEN := $(TOOLS)/controller-gen
LDFLAGS := -s -w -X github.com/kubectl-import/kubectl-import/pkg/version.Version=$(VERSION)
GO_TEST_FLAGS ?=
export KIMPORT_TEST_ASSETS := $(K8S_BIN)

.PHONY: all build generate verify-generated control-plane tools test unit-test e2e-test fuzz lint demo bench clean

all: build

build: ## bin/kubectl-import and bin/webhook, version stamped
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/kubectl-import ./cmd/kubectl-import
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/webhook ./cmd/webhook

$(CONTROLLER_GEN):
	GOBIN=$(TOOLS) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)

tools: $(CONTROLLER_GEN)

generate: $(CONTROLLER_GEN) ## deepcopy and the CRD from the Go types
	$(CONTROLLER_GEN) object paths=./pkg/apis/...
	$(CONTROLLER_GEN) crd:allowDangerousTypes=false paths=./pkg/apis/... output:crd:artifacts:config=deploy/crd

verify-generated: generate ## fails when generated files are stale
	@git diff --exit-code -- pkg/apis deploy/crd || { echo "generated files are stale: run 'make generate' and commit"; exit 1; }

control-plane: ## kube-apiserver (+k3s relink), kube-controller-manager, etcd from source
	KUBE_VERSION=$(KUBE_VERSION) ETCD_VERSION=$(ETCD_VERSION) hack/build-control-plane.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed: $$out"; exit 1; }
	go vet ./...

unit-test:
	go test $(GO_TEST_FLAGS) ./pkg/...

test: lint verify-generated control-plane build ## every test
	go test $(GO_TEST_FLAGS) -count=1 -timeout 40m ./...

demo: control-plane build ## the main job on a local hub and downstreams
	hack/demo.sh

bench: control-plane build
	go test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf $(BIN)/kubectl-import $(BIN)/webhook
