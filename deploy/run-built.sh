#!/usr/bin/env bash
# Runs one of Wisp's entry points as production does, from the compiled dist/ tree:
#   deploy/run-built.sh <entry> [args...]   e.g. deploy/standalone/main, controller/main, invoker/main
# On a fresh clone it installs the npm packages first (npm ci, skipped when up to date) and builds
# dist/ when the sources changed since the last build; then node runs the compiled entry alone
# (no tsx, no esbuild in the process).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
entry=${1:?usage: deploy/run-built.sh <entry> [args...]}
shift
bash deploy/stack.sh npm >&2
node --import tsx deploy/build/build.ts --if-stale --quiet >&2
exec node --enable-source-maps "dist/$entry.js" "$@"
