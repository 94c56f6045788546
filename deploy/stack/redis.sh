# deploy/stack/redis.sh: Redis from Debian's redis-server, keeping nothing on disk.
# Sourced by deploy/stack.sh after lib.sh.
# The single-quoted bash -c body expands its variables later, on purpose.
# shellcheck disable=SC2016 shell=bash

REDIS_PORT=${WISP_STACK_REDIS_PORT:-6379}
REDIS_PROCESS=redis-server
REDIS_START_BUDGET=20

redis_ping() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "PING\r\n" >&3 && IFS= read -r line <&3 && [[ $line == +PONG* ]]' \
    "$HOST" "$REDIS_PORT" 2>/dev/null
}

redis_up() {
  local where=$HOST:$REDIS_PORT
  if redis_ping; then
    record redis up "$where" "$(owner_of redis "$REDIS_PROCESS")"
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
  record redis up "$where" "$(owner_of redis "$REDIS_PROCESS"), started now"
}

redis_status() {
  if redis_ping; then
    record redis up "$HOST:$REDIS_PORT" "$(owner_of redis "$REDIS_PROCESS")"
  else
    record redis DOWN "$HOST:$REDIS_PORT" -
    return 1
  fi
}

redis_down() { stop redis "$REDIS_PROCESS"; }
