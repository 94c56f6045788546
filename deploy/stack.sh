#!/usr/bin/env bash
# deploy/stack.sh up|down|status
#
# The real services that integration tests, e2e tests and the distributed profile run against:
# Kafka 3.9.1 (one KRaft node), Redis, NATS with JetStream, a Docker engine, plus the npm packages
# the readiness probes need, the action runtime images, the prometheus binary the metrics test runs
# and the chromium the dashboard test drives.
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
#
# This file only dispatches; each service lives in deploy/stack/<service>.sh, the helpers they
# share in deploy/stack/lib.sh. All are sourced into this one shell, so the summary table, the
# stack lock and the once-per-run apt-get update are shared.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for part in lib npm kafka redis nats docker images prometheus chromium; do
  # shellcheck source=/dev/null
  source "$ROOT/deploy/stack/$part.sh"
done

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
  prometheus_up
  chromium_up
  print_summary
  printf '\nstack: up in %ss; state and logs in %s\n' "$((SECONDS - started))" "$STATE_DIR"
}

cmd_down() {
  take_lock
  docker_down
  nats_down
  redis_down
  kafka_down
  say "data kept in $STATE_DIR"
}

cmd_status() {
  local down=0
  if ! probes_usable; then
    warn "node_modules lacks kafkajs/nats: Kafka and NATS are only checked for an open port"
  fi
  kafka_status || down=1
  redis_status || down=1
  nats_status || down=1
  docker_status || down=1
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
