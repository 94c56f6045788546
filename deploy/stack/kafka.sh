# deploy/stack/kafka.sh: Kafka 3.9.1, one KRaft node, from Maven Central jars. Started in
# kafka_start, awaited in kafka_wait, so the JVM boots while the rest comes up.
# Sourced by deploy/stack.sh after lib.sh.
# The single-quoted probe expands its variables in node, on purpose.
# shellcheck disable=SC2016 shell=bash

KAFKA_PORT=${WISP_STACK_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${WISP_STACK_KAFKA_CONTROLLER_PORT:-9093}
KAFKA_TEMPLATES=$ROOT/deploy/kafka
KAFKA_PROCESS=kafka.Kafka
KAFKA_START_BUDGET=120

# A data dir formatted under one cluster id refuses to start under another; a fixed id means the
# id can never drift from the data it formatted.
KAFKA_CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk
KAFKA_JVM_OPTS=(-Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
  -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true
  "-Dlog4j.configuration=file:$KAFKA_TEMPLATES/log4j.properties")

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

probe_kafka() { PROBE_OUTPUT=$(node_probe "$KAFKA_PROBE_JS" "$HOST:$KAFKA_PORT" "${1:-}"); }

kafka_log_says_started() { grep -q 'Kafka Server started' "$LOG_DIR/kafka.log" 2>/dev/null && tcp_open "$HOST" "$KAFKA_PORT"; }

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
  if pid=$(owned_pid kafka "$KAFKA_PROCESS"); then
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
  launch kafka "$LOG_DIR/kafka.log" java "${KAFKA_JVM_OPTS[@]}" -cp "$libs/*" "$KAFKA_PROCESS" "$STATE_DIR/kafka/server.properties"
  KAFKA_OWNER="stack.sh (pid $LAUNCHED_PID, started now)"
}

kafka_wait() {
  local pid rc=0 warm=
  if pid=$(owned_pid kafka "$KAFKA_PROCESS"); then
    wait_for "$KAFKA_START_BUDGET" "$pid" kafka_log_says_started || rc=$?
    ((rc != 2)) || fail kafka "$LOG_DIR/kafka.log" "the broker exited while starting"
    ((rc == 0)) || fail kafka "$LOG_DIR/kafka.log" "no 'Kafka Server started' and no listener on $HOST:$KAFKA_PORT within ${KAFKA_START_BUDGET}s"
    if [[ $KAFKA_OWNER == *"started now"* ]]; then warm=warm; fi
  fi
  probe_kafka "$warm" || fail kafka "$LOG_DIR/kafka.log" "the broker does not answer describeCluster: $PROBE_OUTPUT"
  record kafka up "$HOST:$KAFKA_PORT" "$KAFKA_OWNER"
}

# Without kafkajs in node_modules only the port can be checked.
kafka_status() {
  if { probes_usable && probe_kafka; } || { ! probes_usable && tcp_open "$HOST" "$KAFKA_PORT"; }; then
    record kafka up "$HOST:$KAFKA_PORT" "$(owner_of kafka "$KAFKA_PROCESS")"
  else
    record kafka DOWN "$HOST:$KAFKA_PORT" -
    return 1
  fi
}

kafka_down() { stop kafka "$KAFKA_PROCESS"; }
