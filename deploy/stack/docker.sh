# deploy/stack/docker.sh: the Docker engine. The CLI alone is not an engine, dockerd has to run.
# Sourced by deploy/stack.sh after lib.sh.
# shellcheck shell=bash

DOCKER_ENDPOINT=${DOCKER_HOST:-unix:///var/run/docker.sock}
DOCKER_PROCESS=dockerd
DOCKER_START_BUDGET=60

docker_answers() { command -v docker >/dev/null && timeout 15 docker info >/dev/null 2>&1; }

docker_up() {
  local rc=0
  if docker_answers; then
    record docker up "$DOCKER_ENDPOINT" "$(owner_of docker "$DOCKER_PROCESS")"
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

docker_status() {
  if docker_answers; then
    record docker up "$DOCKER_ENDPOINT" "$(owner_of docker "$DOCKER_PROCESS")"
  else
    record docker DOWN "$DOCKER_ENDPOINT" -
    return 1
  fi
}

docker_down() { stop docker "$DOCKER_PROCESS"; }
