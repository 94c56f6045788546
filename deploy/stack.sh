#!/usr/bin/env bash
# deploy/stack.sh up|down|status
#
# The real services that integration tests, e2e tests and the distributed profile run against:
# Kafka 3.9.1 (one KRaft node), Redis, NATS with JetStream, a Docker engine, plus the npm packages
# the readiness probes need and the action runtime images.
#
#   up      use whatever already answers, install what is missing (apt, Maven Central, npm), start
#           what is down, wait until each answers. Never wipes data. Safe to run again and again.
#   down    stop only what `up` started (pid files under the state dir); data stays.
#   status  say for each service whether it answers, where, and who started it. Exit 0 if all answer.
#   npm     only the npm step of `up` (test/run-all.sh runs it first)
#
# Environment (all optional):
#   WISP_STACK_DIR   state: data, logs, pid files (default <repo>/.stack, gitignored)
#   WISP_CACHE_DIR   downloads kept across clones: the Kafka jars (default ~/.cache/wisp)
#   WISP_STACK_KAFKA_PORT, WISP_STACK_KAFKA_CONTROLLER_PORT, WISP_STACK_REDIS_PORT,
#   WISP_STACK_NATS_PORT   other ports, to try the script beside a stack that already runs
# The single-quoted probes and bash -c bodies expand their variables later, on purpose.
# shellcheck disable=SC2016
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${WISP_STACK_DIR:-$ROOT/.stack}
CACHE_DIR=${WISP_CACHE_DIR:-$HOME/.cache/wisp}
LOG_DIR=$STATE_DIR/logs
RUN_DIR=$STATE_DIR/run
KAFKA_TEMPLATES=$ROOT/deploy/kafka

HOST=127.0.0.1
KAFKA_PORT=${WISP_STACK_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${WISP_STACK_KAFKA_CONTROLLER_PORT:-9093}
REDIS_PORT=${WISP_STACK_REDIS_PORT:-6379}
NATS_PORT=${WISP_STACK_NATS_PORT:-4222}
DOCKER_ENDPOINT=${DOCKER_HOST:-unix:///var/run/docker.sock}
IMAGES_SCRIPT=actions/build-images.ts

# A data dir formatted under one cluster id refuses to start under another; a fixed id means the
# id can never drift from the data it formatted.
KAFKA_CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk
KAFKA_JVM_OPTS=(-Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
  -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true
  "-Dlog4j.configuration=file:$KAFKA_TEMPLATES/log4j.properties")

# Budgets in seconds for a service to answer after it was started.
KAFKA_START_BUDGET=120
REDIS_START_BUDGET=20
NATS_START_BUDGET=20
DOCKER_START_BUDGET=60

# ---------------------------------------------------------------------------------------------
# small helpers

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

# ---------------------------------------------------------------------------------------------
# probes: ask each service a real question, not just whether a port is open

# Runs a probe script from the repo root so that require() finds the repo's node_modules.
node_probe() {
  local js=$1
  shift
  (cd "$ROOT" && timeout 15 node -e "$js" "$@") 2>&1
}

KAFKA_PROBE_JS='
const { Kafka, logLevel } = require("kafkajs");
const [, broker, warm] = process.argv;
const kafka = new Kafka({ clientId: "wisp-stack-probe", brokers: [broker], logLevel: logLevel.NOTHING,
  connectionTimeout: 2000, requestTimeout: 5000, retry: { retries: warm ? 10 : 0 } });
const admin = kafka.admin();
(async () => {
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    // Asking for a group coordinator makes the broker create __consumer_offsets now, so the first
    // consumer group of a test run does not pay for it.
    if (warm) await admin.describeGroups(["wisp-stack-probe"]);
    console.log(`cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)`);
  } finally { await admin.disconnect(); }
})().then(() => process.exit(0), (e) => { console.log(`kafka probe: ${e.message}`); process.exit(1); });
'

NATS_PROBE_JS='
const { connect } = require("nats");
const [, server] = process.argv;
(async () => {
  const nc = await connect({ servers: server, timeout: 2000, reconnect: false });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.getAccountInfo();
    console.log(`JetStream enabled, server ${nc.info.version}`);
  } finally { await nc.close(); }
})().then(() => process.exit(0), (e) => { console.log(`nats probe: ${e.message}`); process.exit(1); });
'

PROBE_OUTPUT=
probe_kafka() { PROBE_OUTPUT=$(node_probe "$KAFKA_PROBE_JS" "$HOST:$KAFKA_PORT" "${1:-}"); }
probe_nats() { PROBE_OUTPUT=$(node_probe "$NATS_PROBE_JS" "nats://$HOST:$NATS_PORT"); }
probes_usable() { [[ -d $ROOT/node_modules/kafkajs && -d $ROOT/node_modules/nats ]]; }

redis_ping() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "PING\r\n" >&3 && IFS= read -r line <&3 && [[ $line == +PONG* ]]' \
    "$HOST" "$REDIS_PORT" 2>/dev/null
}

docker_answers() { command -v docker >/dev/null && timeout 15 docker info >/dev/null 2>&1; }

kafka_log_says_started() { grep -q 'Kafka Server started' "$LOG_DIR/kafka.log" 2>/dev/null && tcp_open "$HOST" "$KAFKA_PORT"; }

# ---------------------------------------------------------------------------------------------
# npm packages (the probes below need kafkajs and nats)

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

# ---------------------------------------------------------------------------------------------
# Kafka: started in kafka_start, awaited in kafka_wait, so the JVM boots while the rest comes up

kafka_libs_dir() { printf '%s/kafka-%s/libs' "$CACHE_DIR" "$(sha256sum "$KAFKA_TEMPLATES/pom.xml" | cut -c1-12)"; }

kafka_fetch_libs() {
  local libs=$1 work
  [[ -f $libs/.complete ]] && return 0
  need kafka java openjdk-17-jre-headless
  need kafka mvn maven
  work=$(dirname "$libs")
  say "kafka: fetching the Kafka jars from Maven Central into $libs (once per pom.xml)"
  mkdir -p "$work"
  # The pom is copied out so Maven writes nothing into the repository.
  cp "$KAFKA_TEMPLATES/pom.xml" "$work/pom.xml"
  rm -rf "$libs.partial"
  if ! mvn -B -q -f "$work/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DincludeScope=runtime -Dmdep.prependGroupId=true -DoutputDirectory="$libs.partial" \
    >"$LOG_DIR/kafka-mvn.log" 2>&1; then
    fail kafka "$LOG_DIR/kafka-mvn.log" "mvn could not fetch the Kafka jars"
  fi
  # Renamed into place only when complete, so an interrupted download is never taken for a cache.
  touch "$libs.partial/.complete"
  rm -rf "$libs"
  mv "$libs.partial" "$libs"
}

kafka_configure() {
  mkdir -p "$STATE_DIR/kafka/data"
  sed -e "s|@HOST@|$HOST|g" -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" -e "s|@DATA_DIR@|$STATE_DIR/kafka/data|g" \
    "$KAFKA_TEMPLATES/server.properties" >"$STATE_DIR/kafka/server.properties"
}

# Formats only a data dir that was never formatted: formatting again would drop queued work.
kafka_format() {
  local libs=$1
  [[ -f $STATE_DIR/kafka/data/meta.properties ]] && return 0
  say "kafka: formatting $STATE_DIR/kafka/data (first start)"
  java "${KAFKA_JVM_OPTS[@]}" -cp "$libs/*" kafka.tools.StorageTool format \
    -t "$KAFKA_CLUSTER_ID" -c "$STATE_DIR/kafka/server.properties" --ignore-formatted \
    >"$LOG_DIR/kafka-format.log" 2>&1 ||
    fail kafka "$LOG_DIR/kafka-format.log" "StorageTool format failed"
}

KAFKA_OWNER=
kafka_start() {
  local pid libs
  if pid=$(owned_pid kafka kafka.Kafka); then
    KAFKA_OWNER="stack.sh (pid $pid)"
    return 0
  fi
  if tcp_open "$HOST" "$KAFKA_PORT"; then
    probe_kafka || fail kafka "" "something listens on $HOST:$KAFKA_PORT but does not answer as Kafka ($PROBE_OUTPUT)"
    say "kafka: $HOST:$KAFKA_PORT is already served by a broker stack.sh did not start; using it"
    KAFKA_OWNER="already running, not stack.sh"
    return 0
  fi
  libs=$(kafka_libs_dir)
  kafka_fetch_libs "$libs"
  kafka_configure
  kafka_format "$libs"
  say "kafka: starting the broker on $HOST:$KAFKA_PORT"
  launch kafka "$LOG_DIR/kafka.log" java "${KAFKA_JVM_OPTS[@]}" -cp "$libs/*" kafka.Kafka "$STATE_DIR/kafka/server.properties"
  KAFKA_OWNER="stack.sh (pid $LAUNCHED_PID, started now)"
}

kafka_wait() {
  local pid rc=0 warm=
  if pid=$(owned_pid kafka kafka.Kafka); then
    wait_for "$KAFKA_START_BUDGET" "$pid" kafka_log_says_started || rc=$?
    ((rc != 2)) || fail kafka "$LOG_DIR/kafka.log" "the broker exited while starting"
    ((rc == 0)) || fail kafka "$LOG_DIR/kafka.log" "no 'Kafka Server started' and no listener on $HOST:$KAFKA_PORT within ${KAFKA_START_BUDGET}s"
    if [[ $KAFKA_OWNER == *"started now"* ]]; then warm=warm; fi
  fi
  probe_kafka "$warm" || fail kafka "$LOG_DIR/kafka.log" "the broker does not answer describeCluster: $PROBE_OUTPUT"
  record kafka up "$HOST:$KAFKA_PORT" "$KAFKA_OWNER"
}

# ---------------------------------------------------------------------------------------------
# Redis

redis_up() {
  local where=$HOST:$REDIS_PORT
  if redis_ping; then
    record redis up "$where" "$(owner_of redis redis-server)"
    return 0
  fi
  tcp_open "$HOST" "$REDIS_PORT" && fail redis "" "something listens on $where but does not answer PING with PONG"
  need redis redis-server redis-server
  if redis_ping; then # the package's own service may have started one
    record redis up "$where" "the redis-server package"
    return 0
  fi
  say "redis: starting redis-server on $where"
  mkdir -p "$STATE_DIR/redis"
  # Daemonized by redis itself, which also writes the pid file; it keeps nothing on disk.
  redis-server --daemonize yes --bind "$HOST" --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$STATE_DIR/redis" --pidfile "$(pid_file redis)" --logfile "$LOG_DIR/redis.log" 9>&- ||
    fail redis "$LOG_DIR/redis.log" "redis-server refused to start"
  wait_for "$REDIS_START_BUDGET" "" redis_ping ||
    fail redis "$LOG_DIR/redis.log" "no PONG on $where within ${REDIS_START_BUDGET}s"
  record redis up "$where" "$(owner_of redis redis-server), started now"
}

# ---------------------------------------------------------------------------------------------
# NATS with JetStream

nats_up() {
  local where="nats://$HOST:$NATS_PORT" rc=0
  if tcp_open "$HOST" "$NATS_PORT"; then
    probe_nats || fail nats "" "$where answers but not as NATS with JetStream ($PROBE_OUTPUT); it needs -js"
    record nats up "$where" "$(owner_of nats nats-server)"
    return 0
  fi
  need nats nats-server nats-server
  if tcp_open "$HOST" "$NATS_PORT" && probe_nats; then
    record nats up "$where" "the nats-server package"
    return 0
  fi
  say "nats: starting nats-server with JetStream on $where"
  mkdir -p "$STATE_DIR/nats"
  launch nats "$LOG_DIR/nats.log" nats-server -a "$HOST" -p "$NATS_PORT" -js -sd "$STATE_DIR/nats"
  wait_for "$NATS_START_BUDGET" "$LAUNCHED_PID" probe_nats || rc=$?
  ((rc == 0)) || fail nats "$LOG_DIR/nats.log" "nats-server did not answer within ${NATS_START_BUDGET}s ($PROBE_OUTPUT)"
  record nats up "$where" "stack.sh (pid $LAUNCHED_PID), started now"
}

# ---------------------------------------------------------------------------------------------
# Docker engine: the CLI alone is not an engine, dockerd has to run

docker_up() {
  local rc=0
  if docker_answers; then
    record docker up "$DOCKER_ENDPOINT" "$(owner_of docker dockerd)"
    return 0
  fi
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    apt_install docker.io || fail docker "$LOG_DIR/apt.log" "could not install docker.io"
  fi
  if docker_answers; then
    record docker up "$DOCKER_ENDPOINT" "the docker.io package"
    return 0
  fi
  say "docker: starting dockerd"
  mkdir -p "$STATE_DIR/docker"
  # dockerd's own pid file lives apart from ours: dockerd refuses to start over a pid file whose
  # process runs, and ours names dockerd itself.
  launch docker "$LOG_DIR/dockerd.log" dockerd --pidfile "$STATE_DIR/docker/dockerd.pid"
  wait_for "$DOCKER_START_BUDGET" "$LAUNCHED_PID" docker_answers || rc=$?
  ((rc != 2)) || fail docker "$LOG_DIR/dockerd.log" "dockerd exited while starting"
  ((rc == 0)) || fail docker "$LOG_DIR/dockerd.log" "docker info did not answer within ${DOCKER_START_BUDGET}s"
  record docker up "$DOCKER_ENDPOINT" "stack.sh (pid $LAUNCHED_PID), started now"
}

# ---------------------------------------------------------------------------------------------
# Action runtime images (built locally: no registry is reachable); the script skips unchanged ones

images_up() {
  if [[ ! -f $ROOT/$IMAGES_SCRIPT ]]; then
    printf '\n%s\n' "stack: WARNING: ************************************************************" >&2
    warn "$IMAGES_SCRIPT does not exist yet: NO action runtime images were built."
    warn "Anything that runs an action in Docker will fail until it exists."
    printf '%s\n\n' "stack: WARNING: ************************************************************" >&2
    record images MISSING - "$IMAGES_SCRIPT not written yet"
    return 0
  fi
  # The python runtime's base is debootstrapped once (then cached under ${WISP_CACHE_DIR:-~/.cache/wisp}).
  need images debootstrap debootstrap
  say "images: npx tsx $IMAGES_SCRIPT"
  if ! (cd "$ROOT" && npx tsx "$IMAGES_SCRIPT") 2>&1 9>&- | tee "$LOG_DIR/images.log" | sed 's/^/    images| /'; then
    fail images "" "$IMAGES_SCRIPT failed (full output above and in $LOG_DIR/images.log)"
  fi
  record images ok "docker ($DOCKER_ENDPOINT)" "$IMAGES_SCRIPT"
}

# ---------------------------------------------------------------------------------------------
# commands

take_lock() {
  # Two `up`s at once (two test runs) would both see Kafka down and start two brokers.
  exec 9>"$STATE_DIR/stack.lock"
  flock -n 9 && return 0
  say "waiting for another stack.sh in $STATE_DIR to finish"
  flock -w 900 9 || { say "gave up waiting for the stack lock" >&2; exit 1; }
}

cmd_up() {
  local started=$SECONDS
  take_lock
  npm_up
  kafka_start
  redis_up
  nats_up
  docker_up
  kafka_wait
  images_up
  print_summary
  printf '\nstack: up in %ss; state and logs in %s\n' "$((SECONDS - started))" "$STATE_DIR"
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

cmd_down() {
  take_lock
  stop docker dockerd
  stop nats nats-server
  stop redis redis-server
  stop kafka kafka.Kafka
  say "data kept in $STATE_DIR"
}

cmd_status() {
  local down=0
  if ! probes_usable; then
    warn "node_modules lacks kafkajs/nats: Kafka and NATS are only checked for an open port"
  fi
  if { probes_usable && probe_kafka; } || { ! probes_usable && tcp_open "$HOST" "$KAFKA_PORT"; }; then
    record kafka up "$HOST:$KAFKA_PORT" "$(owner_of kafka kafka.Kafka)"
  else
    record kafka DOWN "$HOST:$KAFKA_PORT" -
    down=1
  fi
  if redis_ping; then record redis up "$HOST:$REDIS_PORT" "$(owner_of redis redis-server)"; else
    record redis DOWN "$HOST:$REDIS_PORT" -
    down=1
  fi
  if { probes_usable && probe_nats; } || { ! probes_usable && tcp_open "$HOST" "$NATS_PORT"; }; then
    record nats up "nats://$HOST:$NATS_PORT" "$(owner_of nats nats-server)"
  else
    record nats DOWN "nats://$HOST:$NATS_PORT" -
    down=1
  fi
  if docker_answers; then record docker up "$DOCKER_ENDPOINT" "$(owner_of docker dockerd)"; else
    record docker DOWN "$DOCKER_ENDPOINT" -
    down=1
  fi
  print_summary
  return "$down"
}

main() {
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  case "${1:-}" in
  up) cmd_up ;;
  npm)
    take_lock
    npm_up
    print_summary
    ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    printf 'usage: %s up|down|status  (or npm: only install the npm packages)\n' "$0" >&2
    exit 2
    ;;
  esac
}

main "$@"
