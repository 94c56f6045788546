# deploy/stack/nats.sh: NATS with JetStream from Debian's nats-server; one without JetStream is an
# error, not "up". Sourced by deploy/stack.sh after lib.sh.
# The single-quoted probe expands its variables in node, on purpose.
# shellcheck disable=SC2016 shell=bash

NATS_PORT=${WISP_STACK_NATS_PORT:-4222}
NATS_PROCESS=nats-server
NATS_START_BUDGET=20

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

probe_nats() { PROBE_OUTPUT=$(node_probe "$NATS_PROBE_JS" "nats://$HOST:$NATS_PORT"); }

nats_up() {
  local where="nats://$HOST:$NATS_PORT" rc=0
  if tcp_open "$HOST" "$NATS_PORT"; then
    probe_nats || fail nats "" "$where answers but not as NATS with JetStream ($PROBE_OUTPUT); it needs -js"
    record nats up "$where" "$(owner_of nats "$NATS_PROCESS")"
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

# Without nats in node_modules only the port can be checked.
nats_status() {
  if { probes_usable && probe_nats; } || { ! probes_usable && tcp_open "$HOST" "$NATS_PORT"; }; then
    record nats up "nats://$HOST:$NATS_PORT" "$(owner_of nats "$NATS_PROCESS")"
  else
    record nats DOWN "nats://$HOST:$NATS_PORT" -
    return 1
  fi
}

nats_down() { stop nats "$NATS_PROCESS"; }
