# Entry points of the project; the work is done by scripts/ (configured by PB_* variables,
# see scripts/stack.sh). `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

RELEASE_DIR ?= $(if $(PB_BUILD_DIR),$(PB_BUILD_DIR),build/release)
TEST_DIR ?= build/test

.PHONY: help up down status logs restart build test unit fuzz bench demo docs video clean cluster-up cluster-down cluster-status cluster-logs test-cluster \
	images compose-up compose-down compose-status test-containers

help: ## list the targets
	@echo "Pet boarding platform: make <target>"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'
	@echo "Settings come from PB_* environment variables (PB_HOME, PB_PORT_BASE, ...): see scripts/stack.sh"

up: ## build and start the whole stack (MariaDB, Redis, NATS, services, nginx) with demo data
	scripts/stack.sh up

down: ## stop the stack (data is kept in PB_HOME)
	scripts/stack.sh down

status: ## one line per component: pid, alive, readiness
	scripts/stack.sh status

logs: ## follow every log of the stack
	scripts/stack.sh logs

restart: ## down, then up
	scripts/stack.sh restart

build: ## release build in build/release
	scripts/deps.sh
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DPB_BUILD_TESTS=OFF
	cmake --build $(RELEASE_DIR) -j2

test: ## sanitizer build, unit tests, then e2e tests against a throwaway stack
	scripts/test.sh

unit: ## sanitizer build and unit tests only
	scripts/deps.sh
	cmake -S . -B $(TEST_DIR) -DPB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(TEST_DIR) -j2
	ctest --test-dir $(TEST_DIR) -L unit --output-on-failure

fuzz: ## libFuzzer on every parser of client bytes (tests/fuzz/), PB_FUZZ_SECONDS (default 60) per target, then a table
	scripts/deps.sh test
	scripts/fuzz.sh run

bench: ## run the benchmarks (bench/run.sh) on a throwaway stack on ports 28080+ (PB_BENCH_USE_RUNNING=1: the running one)
	bench/run.sh

demo: ## a guided tour of one whole stay through the API, step by step, on the running platform
	scripts/demo.sh

docs: ## the diagrams (docs/diagrams/*.dot → SVG, PNG) and the PDFs of the Chinese documents in build/docs/
	scripts/docs.sh

video: ## a demo video (build/video/demo.mp4): the browser tests' screenshots with Chinese captions, a booking storm on the running platform, the failover results (docs/demo.md)
	scripts/video.sh

cluster-up: ## the same platform as a cluster on loopback: 2 instances per service, Galera, Sentinel, NATS cluster (gateway :9080)
	scripts/cluster.sh up

cluster-down: ## stop the cluster (data is kept in PB_CLUSTER_HOME, default var/cluster)
	scripts/cluster.sh down

cluster-status: ## one line per cluster process: pid, alive, readiness, roles
	scripts/cluster.sh status

cluster-logs: ## follow every log of the cluster
	scripts/cluster.sh logs

test-cluster: ## failover tests: kill -9 each kind of process of a throwaway cluster under load
	tests/cluster/run.sh

images: ## container images from Debian's packages with podman (a debootstrap base; deploy/Dockerfile, deploy/infra.Dockerfile), then their sizes
	scripts/images.sh

compose-up: ## the Compose cluster (deploy/compose) on podman: 2 containers per service, Galera x3, Redis + Sentinels, NATS x3, Prometheus (gateway :8080)
	scripts/compose.sh up

compose-down: ## stop and remove the Compose cluster's containers (volumes kept; scripts/compose.sh down -v removes them)
	scripts/compose.sh down

compose-status: ## one line per container of the Compose cluster: state and health
	scripts/compose.sh status

test-containers: ## build the images, bring a throwaway Compose cluster up, a whole stay through its gateway, kill containers under load, tear down
	tests/containers/run.sh

clean: ## remove build/ (not the stack's data in PB_HOME)
	rm -rf build
