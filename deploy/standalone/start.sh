#!/usr/bin/env bash
# `npm start`: installs the npm packages on a fresh clone (npm ci, skipped when up to date), then
# runs the standalone platform in the foreground.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash deploy/stack.sh npm >&2
exec node_modules/.bin/tsx deploy/standalone/main.ts "$@"
