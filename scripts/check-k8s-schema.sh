#!/usr/bin/env bash
# Check every document of deploy/k8s/**/*.yaml against the Kubernetes API schema, offline
# (no cluster, no schema download): the schema of Kubernetes 1.33 that the npm package
# kubernetes-models carries, pinned in tests/k8s-schema/package-lock.json. Wrong types,
# missing required fields, values outside an enum, unknown fields at any depth and API
# versions a 1.33 cluster does not serve fail; the MariaDB Operator's custom resources and
# kustomization.yaml get the smaller check tests/k8s-schema/check.mjs states. A self-test of
# documents broken on purpose (tests/k8s-schema/selftest.yaml) runs first.
# Installs the packages (npm ci) when tests/k8s-schema/node_modules is missing or was installed
# from another lock. Exit 1 with a line per finding.
# Usage: scripts/check-k8s-schema.sh     (run by scripts/check-deploy.sh; needs Node.js and npm)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TOOL=$PB_REPO/tests/k8s-schema

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    pb_die "node and npm are needed (scripts/check-deploy.sh skips this check without them)"
fi
pb_npm_ci "$TOOL" "Kubernetes schema check"
node "$TOOL/check.mjs" "$PB_REPO"
