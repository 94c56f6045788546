# deploy/stack/lib.sh: what every service script of deploy/stack.sh shares: where things go, the
# summary table, failing with a service's log, pid files and ownership, launching detached, apt,
# probes, waiting, the stack lock. Sourced by deploy/stack.sh after it has set ROOT.
# The single-quoted probes and bash -c bodies expand their variables later, on purpose.
# shellcheck disable=SC2016 shell=bash

STATE_DIR=${WISP_STACK_DIR:-$ROOT/.stack}
CACHE_DIR=${WISP_CACHE_DIR:-$HOME/.cache/wisp}
LOG_DIR=$STATE_DIR/logs
RUN_DIR=$STATE_DIR/run
HOST=127.0.0.1

say() { printf 'stack: %s\n' "$*"; }
warn() { printf 'stack: WARNING: %s\n' "$*" >&2; }

# Rows of the final summary table.
SUMMARY=()
record() { SUMMARY+=("$1|$2|$3|$4"); }

print_summary() {
  ((${#SUMMARY[@]})) || return 0
  printf '\n%-8s %-8s %-38s %s\n' SERVICE STATE 'LISTENS ON' 'STARTED BY'
  local row name state where owner
  for row in "${SUMMARY[@]}"; do
    IFS='|' read -r name state where owner <<<"$row"
    printf '%-8s %-8s %-38s %s\n' "$name" "$state" "$where" "$owner"
  done
}

# fail SERVICE LOGFILE MESSAGE: names the service that did not come up, shows its log, exits 1.
fail() {
  local service=$1 log=$2
  shift 2
  record "$service" DOWN - "$*"
  printf '\nstack: %s did not come up: %s\n' "$service" "$*" >&2
  if [[ -n $log && -s $log ]]; then
    printf 'stack: last lines of %s:\n' "$log" >&2
    tail -n 30 "$log" | sed 's/^/    | /' >&2
    # A JVM's root cause sits in its last "Caused by", often above the tail.
    if grep -q 'Caused by:' "$log"; then
      printf 'stack: root cause: %s\n' "$(grep 'Caused by:' "$log" | tail -n 1)" >&2
    fi
  fi
  print_summary >&2
  exit 1
}

tcp_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

# wait_for SECONDS PID CHECK...: polls CHECK until it succeeds. Returns 1 when the budget is spent,
# 2 as soon as PID (when not empty) has exited, so a crash is reported at once, not after the budget.
wait_for() {
  local budget=$1 pid=$2
  shift 2
  local deadline=$((SECONDS + budget))
  until "$@"; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 2; fi
    ((SECONDS < deadline)) || return 1
    sleep 0.25
  done
}

gone() { ! kill -0 "$1" 2>/dev/null; }

pid_file() { printf '%s/%s.pid' "$RUN_DIR" "$1"; }

# owned_pid SERVICE PATTERN: prints the pid `up` recorded for SERVICE when that process still runs a
# command line containing PATTERN. A stale file (reboot, crash, reused pid) is removed, so `down`
# can never kill a stranger.
owned_pid() {
  local file pid
  file=$(pid_file "$1")
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"; then
    printf '%s' "$pid"
    return 0
  fi
  rm -f "$file"
  return 1
}

owner_of() {
  local pid
  if pid=$(owned_pid "$1" "$2"); then printf 'stack.sh (pid %s)' "$pid"; else printf 'already running, not stack.sh'; fi
}

# launch SERVICE LOGFILE COMMAND...: runs COMMAND detached from this shell's session (a Ctrl-C or a
# CI step ending must not take the service down) and records its pid. `9>&-` drops the lock fd, or
# the service would hold the stack lock for as long as it runs.
launch() {
  local service=$1 log=$2
  shift 2
  [[ -f $log ]] && mv -f "$log" "$log.1"
  setsid nohup "$@" </dev/null >"$log" 2>&1 9>&- &
  printf '%s' $! >"$(pid_file "$service")"
  LAUNCHED_PID=$!
}

# stop SERVICE PATTERN: stops the process `up` started for SERVICE, if any; leaves others alone.
stop() {
  local service=$1 pattern=$2 pid
  if ! pid=$(owned_pid "$service" "$pattern"); then
    say "$service: not started by stack.sh, left alone"
    return 0
  fi
  say "$service: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  # Kafka's controlled shutdown and dockerd stopping its containers take a few seconds.
  if ! wait_for 60 "" gone "$pid"; then
    warn "$service (pid $pid) still runs after 60s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(pid_file "$service")"
}

APT_UPDATED=no
apt_install() {
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || { say "need root (or sudo) to apt-get install $*" >&2; return 1; }
    sudo=(sudo -n)
  fi
  if [[ $APT_UPDATED == no ]]; then
    say "apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$LOG_DIR/apt.log" 2>&1 || return 1
    APT_UPDATED=yes
  fi
  say "apt-get install $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
    >>"$LOG_DIR/apt.log" 2>&1
}

# need SERVICE COMMAND PACKAGE: installs PACKAGE when COMMAND is missing.
need() {
  command -v "$2" >/dev/null && return 0
  apt_install "$3" || fail "$1" "$LOG_DIR/apt.log" "could not install $3 (for $2)"
  command -v "$2" >/dev/null || fail "$1" "$LOG_DIR/apt.log" "$3 is installed but $2 is still not on PATH"
}

# Probes ask each service a real question, not just whether a port is open. A node probe runs from
# the repo root so that require() finds the repo's node_modules.
node_probe() {
  local js=$1
  shift
  (cd "$ROOT" && timeout 15 node -e "$js" "$@") 2>&1
}

PROBE_OUTPUT=
probes_usable() { [[ -d $ROOT/node_modules/kafkajs && -d $ROOT/node_modules/nats ]]; }

take_lock() {
  # Two `up`s at once (two test runs) would both see Kafka down and start two brokers.
  exec 9>"$STATE_DIR/stack.lock"
  flock -n 9 && return 0
  say "waiting for another stack.sh in $STATE_DIR to finish"
  flock -w 900 9 || { say "gave up waiting for the stack lock" >&2; exit 1; }
}
