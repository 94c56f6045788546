#!/usr/bin/env bash
# `npm test`: the whole suite against real services, the same on a laptop and in CI.
#   1. npm ci when node_modules is missing or older than package-lock.json (deploy/stack.sh npm)
#   2. deploy/stack.sh up: Kafka, Redis, NATS, Docker engine, runtime images (installs what is missing)
#   3. tsc --noEmit, and the import boundaries (dependency-cruiser, .dependency-cruiser.cjs)
#   4. npm run build: dist/, which every process the tests start runs
#   5. jest over the unit, integration and e2e projects, one file at a time
#   6. the last line is "tests: N passed, N failed, N skipped" (test/harness/summary-reporter.js)
#   7. when tests failed, the failed files (at most 3) are run once more, alone; the run passes only
#      if each passes then and nothing else was wrong, and each is named on a FLAKY line (ADR 0020)
# Exits non-zero when anything fails: the stack, the typecheck, a boundary, the build, a test, a project with no tests,
# an integration/e2e test skipped under CI=true, or jest failing to exit after the run.
# It takes no arguments; to run some tests, use `npx jest <path>` once the stack is up.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if (($# > 0)); then
  echo "run-all: takes no arguments (got: $*); run a subset with: npx jest <path>" >&2
  exit 2
fi

RUN_STARTED=$SECONDS
step() { printf '\n== %s (at %ss)\n' "$*" "$((SECONDS - RUN_STARTED))"; }

step "npm packages"
# Before the stack: its readiness probes are node scripts that need kafkajs and nats.
if ! bash deploy/stack.sh npm </dev/null; then
  echo "run-all: the npm packages could not be installed (see above), so no tests ran" >&2
  exit 1
fi

step "stack"
if ! bash deploy/stack.sh up </dev/null; then
  echo "run-all: the stack did not come up (see above), so no tests ran" >&2
  exit 1
fi

step "typecheck"
typecheck=ok
npx tsc --noEmit -p . || typecheck=failed
if [[ $typecheck == failed ]]; then
  echo "run-all: typecheck FAILED (errors above); running the tests anyway, and the run will exit 1" >&2
fi

step "import boundaries"
boundaries=ok
npm run --silent lint:boundaries || boundaries=failed
if [[ $boundaries == failed ]]; then
  echo "run-all: import boundaries FAILED (violations above); running the tests anyway, and the run will exit 1" >&2
fi

step "build"
if ! npm run --silent build; then
  echo "run-all: npm run build failed (see above), so no tests ran" >&2
  exit 1
fi

step "jest"
# --runInBand: integration and e2e tests share one Kafka, one Docker engine and two cores, and
# timing-sensitive tests are flaky when they compete; unit tests are quick either way.
# --testTimeout: a test or hook that waits forever fails after 30 s instead of hanging the run;
# tests that need longer say so themselves.
results_dir=$(mktemp -d)
export WISP_TEST_PROBLEMS_FILE=$results_dir/problems.txt
jest_rc=0
npx jest --selectProjects unit integration e2e --runInBand --testTimeout=30000 \
  --reporters=default --reporters=./test/harness/summary-reporter.js \
  --json --outputFile="$results_dir/results.json" || jest_rc=$?

if [[ $jest_rc -ne 0 ]]; then
  step "rerun of failed files"
  jest_rc=0
  node test/harness/rerun-failed.js "$results_dir/results.json" "$WISP_TEST_PROBLEMS_FILE" || jest_rc=$?
fi

if [[ $typecheck == failed || $boundaries == failed || $jest_rc -ne 0 ]]; then exit 1; fi
