# statsig-operator — run `make help` for the targets.
SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

GO ?= go
CONTROLLER_GEN ?= $(GO) tool controller-gen
BIN ?= bin
# The offline control plane (kube-apiserver, etcd, kube-controller-manager, kube-scheduler,
# kubectl, and kwok for simulated nodes), built from the Go module proxy and cached outside the
# repo by hack/envtest-assets.sh.
ENVTEST_ASSETS = $(shell hack/envtest-assets.sh)
GO_TEST_FLAGS ?= -count=1 -timeout 30m
# golangci-lint: pinned as a Go tool in hack/tools/go.mod (a separate module, so its dependencies
# stay out of go.mod), built once and cached by hack/golangci-lint.sh. Extra flags, e.g.
# GOLANGCI_LINT_FLAGS="--concurrency 2" or "--fix".
GOLANGCI_LINT_FLAGS ?=
# The Go modules `make lint` checks: the operator and the separate test/helper modules.
LINT_MODULES ?= . test/chart test/clients hack/benchrunner hack/bench/endpoint hack/bench/wire
# Size of the generated payload the controller suite syncs end to end (10mb or 62mb).
LARGE_PAYLOAD ?= 62mb
# The exposure-stream differential (hack/test-exposures.sh) in `make test-consistency`: 1 fails on
# any difference from Server Core's event stream (0 only prints the difference summary).
EXPOSURES_STRICT ?= 1

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Quick start

.PHONY: demo
demo: build envtest-assets ## Run the operator locally on built-in defaults: local control plane, Statsig stand-in, samples. Ctrl-C stops everything.
	$(GO) run ./hack/demo -operator $(BIN)/statsig-operator

.PHONY: test
test: manifests generate sync-chart-crds fmt vet envtest-assets helm ## Run every test (unit, envtest against a real kube-apiserver + etcd, chart).
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" STATSIG_OPERATOR_PERF=$(LARGE_PAYLOAD) $(GO) test $(GO_TEST_FLAGS) ./...
	cd test/chart && KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" HELM="$$(../../hack/helm.sh)" $(GO) test $(GO_TEST_FLAGS) ./...
	cd test/clients && $(GO) test $(GO_TEST_FLAGS) ./...

.PHONY: test-consistency
test-consistency: ## Differential tests against Statsig Server Core (npm @statsig/statsig-node-core): evaluations, then exposures (EXPOSURES_STRICT).
	hack/test-consistency.sh
	EXPOSURES_STRICT=$(EXPOSURES_STRICT) hack/test-exposures.sh

.PHONY: test-gcir
test-gcir: ## Only the client initialize response differential against Server Core (every payload fixture).
	hack/test-gcir.sh

.PHONY: test-jsclient
test-jsclient: ## Only the @statsig/js-client differential (network init from the endpoint vs bootstrap from Server Core).
	hack/test-jsclient.sh

.PHONY: test-push
test-push: ## Only the push end-to-end test: two operators (fleet chaining) and Server Core's gRPC adapter see every flip without polling.
	hack/test-push.sh

.PHONY: test-ofrep-sse
test-ofrep-sse: ## Only the OFREP event-stream test (@openfeature/ofrep-web-provider refreshed by SSE from a gate flipped in the stand-in).
	hack/test-ofrep-sse.sh

.PHONY: test-exposures
test-exposures: ## Only the exposure-stream differential against Server Core (EXPOSURES_STRICT=1 fails on any difference).
	EXPOSURES_STRICT=$(EXPOSURES_STRICT) hack/test-exposures.sh

##@ Development

.PHONY: manifests
manifests: ## Generate the CRD, RBAC and webhook manifests (controller-gen).
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd webhook paths="./api/...;./controllers/...;./webhook/..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac output:webhook:artifacts:config=config/webhook

.PHONY: generate
generate: ## Generate DeepCopy methods (controller-gen).
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run gofmt on the module.
	gofmt -l -w $$(git ls-files --cached --others --exclude-standard '*.go')

.PHONY: vet
vet: ## Run go vet (main module and the separate test and harness modules).
	$(GO) vet ./...
	cd test/chart && $(GO) vet ./...
	cd hack/benchrunner && $(GO) vet ./...
	cd hack/bench/gen && $(GO) vet ./...
	cd hack/bench/exposures && $(GO) vet ./...
	cd hack/bench/peers/goharness && $(GO) vet ./...
	cd hack/bench/peers/gosdk && $(GO) vet ./...
	cd hack/bench/wire && $(GO) vet ./...
	cd test/clients && $(GO) vet ./...

.PHONY: lint
lint: ## Run golangci-lint (.golangci.yml) on the main module and the separate test/helper modules.
	@lint="$$(hack/golangci-lint.sh)"; status=0; \
	for m in $(LINT_MODULES); do \
		echo "golangci-lint run ($$m)"; \
		(cd "$$m" && "$$lint" run --config "$(CURDIR)/.golangci.yml" $(GOLANGCI_LINT_FLAGS) ./...) || status=1; \
	done; exit $$status

.PHONY: verify-generated
verify-generated: manifests generate sync-chart-crds ## Fail when generated files differ from what is committed.
	@git diff --exit-code -- api config charts/statsig-operator/files || { echo "generated files are out of date: run 'make generate manifests' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- api config)" || { git status --porcelain -- api config; echo "untracked generated files: run 'make generate manifests' and commit"; exit 1; }

.PHONY: envtest-assets
envtest-assets: ## Build (once, ~10 min cold) and cache kube-apiserver, etcd, kube-controller-manager, kube-scheduler, kubectl and kwok.
	@hack/envtest-assets.sh >/dev/null

.PHONY: sync-chart-crds
sync-chart-crds: manifests ## Copy the generated CRD into the Helm chart.
	hack/sync-chart-crds.sh

.PHONY: helm
helm: ## Build (once) and cache Helm from the Go module proxy.
	@hack/helm.sh >/dev/null

##@ Build

.PHONY: build
build: ## Build the operator binary into bin/.
	$(GO) build -o $(BIN)/statsig-operator .

.PHONY: run
run: ## Run the operator against the cluster of the current kubeconfig.
	$(GO) run . --leader-elect=false
