# deploy/stack/npm.sh: the npm packages; first, because the Kafka and NATS probes need kafkajs and
# nats. Sourced by deploy/stack.sh after lib.sh.
# shellcheck shell=bash

npm_stale() {
  # npm writes node_modules/.package-lock.json after package-lock.json on every install, so a lock
  # file newer than it means the tree no longer matches (a pull, a new dependency).
  [[ ! -f $ROOT/node_modules/.package-lock.json || $ROOT/package-lock.json -nt $ROOT/node_modules/.package-lock.json ]]
}

npm_install() {
  (cd "$ROOT" && npm ci --no-audit --no-fund) >"$LOG_DIR/npm.log" 2>&1 && return 0
  # EUSAGE: the lock file lacks entries package.json implies. `npm install --no-save` installs the
  # locked versions it has and resolves the rest, leaving both files untouched, so CI still runs;
  # the warning says how to fix the lock file for good.
  grep -q 'code EUSAGE' "$LOG_DIR/npm.log" || return 1
  warn "npm ci refused package-lock.json as out of sync with package.json ($(grep -m1 'Missing:' "$LOG_DIR/npm.log" | sed 's/^npm error //')...)."
  warn "Falling back to npm install --no-save (changes no file). Fix the lock file with: npm install --package-lock-only"
  (cd "$ROOT" && npm install --no-save --no-audit --no-fund) >>"$LOG_DIR/npm.log" 2>&1
}

npm_up() {
  command -v node >/dev/null || fail npm "" "node (>= 20) is not installed; install it before running the stack"
  if npm_stale; then
    say "npm: node_modules missing or older than package-lock.json, installing"
    npm_install || fail npm "$LOG_DIR/npm.log" "npm could not install the packages"
    record npm ok node_modules "stack.sh (npm install)"
  else
    record npm ok node_modules "up to date"
  fi
}
