#!/usr/bin/env bash
# For an operator on a machine with a real NVIDIA GPU (not run by the tests; CI has no GPU).
# Starts one controller and one invoker with WISP_INVOKER_GPUS=detect on the distributed stack,
# then checks (1) the invoker detected what nvidia-smi lists and (2) a GPU action's container
# sees the device it was pinned to: NVIDIA_VISIBLE_DEVICES / CUDA_VISIBLE_DEVICES, /dev/nvidia*,
# and nvidia-smi inside the container where the NVIDIA runtime injects it. See ADR 0024.
#
#   bash bench/gpu-device-check.sh            # from the repository root
#   GPU_CHECK_MEMORY_MB=2048 bash bench/gpu-device-check.sh
#
# Exit 0 when every check passed; 1 otherwise. Everything it starts is stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."

MEMORY_MB="${GPU_CHECK_MEMORY_MB:-1024}"
PREFIX="gpucheck-$$"
WORK="$(mktemp -d)"
PIDS=()
FAILED=0
say() { printf '%s\n' "$*"; }
check() { if [ "$1" = ok ]; then say "  PASS  $2"; else say "  FAIL  $2"; FAILED=1; fi; }
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  say "logs kept in $WORK"
}
trap cleanup EXIT

command -v nvidia-smi >/dev/null || { say "nvidia-smi is not on the PATH: this check needs a machine with an NVIDIA GPU and driver"; exit 1; }
say "== nvidia-smi on the host"
nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used --format=csv,noheader,nounits | tee "$WORK/host-gpus.csv"
docker info --format '{{json .Runtimes}}' > "$WORK/runtimes.json" 2>/dev/null || echo '{}' > "$WORK/runtimes.json"
say "docker runtimes: $(cat "$WORK/runtimes.json")"

say "== services and build"
bash deploy/stack.sh up
[ -f dist/invoker/main.js ] || npm run build

PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
API="http://127.0.0.1:$PORT"
export WISP_PREFIX="$PREFIX" WISP_MESSAGE_KEY="$(openssl rand -base64 32)" WISP_ALLOW_DEV_KEYS=true WISP_LOG_LEVEL=info
export WISP_API_HOST_FOR_ACTIONS="$API" WISP_INVOKER_PREWARM_NODEJS=0
AUTH="$(node -e "console.log(require('./dist/common/entities/credentials.js').GUEST_AUTH)")"

say "== starting an invoker with WISP_INVOKER_GPUS=detect and a controller on $API"
WISP_INVOKER_ID=invoker0 WISP_INVOKER_GPUS=detect node dist/invoker/main.js > "$WORK/invoker.log" 2>&1 &
PIDS+=($!)
WISP_CONTROLLER_PORT="$PORT" node dist/controller/main.js > "$WORK/controller.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do
  [ "$(curl -s "$API/invokers/healthy/count" || true)" = 1 ] && break
  sleep 1
done
[ "$(curl -s "$API/invokers/healthy/count" || true)" = 1 ] || { say "the invoker did not come up:"; tail -20 "$WORK/invoker.log"; exit 1; }

say "== 1. detected inventory"
DETECTED="$(grep -m1 'GPU(s) with nvidia-smi' "$WORK/invoker.log" || true)"
say "$DETECTED"
HOST_UUIDS="$(cut -d, -f2 "$WORK/host-gpus.csv" | tr -d ' ' | sort | paste -sd, -)"
SEEN_UUIDS="$(printf '%s' "$DETECTED" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{try{console.log(JSON.parse(s).gpus.map(g=>g.uuid).sort().join(','))}catch{console.log('')}})")"
[ -n "$HOST_UUIDS" ] && [ "$HOST_UUIDS" = "$SEEN_UUIDS" ] && check ok "invoker detected $SEEN_UUIDS" || check fail "invoker detected '$SEEN_UUIDS', nvidia-smi lists '$HOST_UUIDS'"
if grep -q 'no NVIDIA runtime' "$WORK/invoker.log"; then say "  NOTE  the engine has no NVIDIA runtime: containers get the variables only, not the devices"; fi

say "== 2. a GPU action's container"
CODE='function main() {
  const fs = require("fs"); const cp = require("child_process");
  let smi = null;
  try { smi = cp.execFileSync("nvidia-smi", ["--query-gpu=uuid", "--format=csv,noheader"], { encoding: "utf8" }).trim(); } catch (e) { smi = "unavailable: " + e.message.split("\n")[0]; }
  return { cuda: process.env.CUDA_VISIBLE_DEVICES || null, nvidia: process.env.NVIDIA_VISIBLE_DEVICES || null,
           devices: fs.readdirSync("/dev").filter((n) => n.startsWith("nvidia")), smi };
}'
BODY="$(node -e "console.log(JSON.stringify({exec:{kind:'nodejs:20',code:process.argv[1]},limits:{gpu:{memory:Number(process.argv[2])}}}))" "$CODE" "$MEMORY_MB")"
curl -sf -u "$AUTH" -X PUT -H 'content-type: application/json' "$API/api/v1/namespaces/_/actions/gpucheck?overwrite=true" -d "$BODY" > /dev/null
RESULT="$(curl -s -u "$AUTH" -X POST -H 'content-type: application/json' "$API/api/v1/namespaces/_/actions/gpucheck?blocking=true&result=true" -d '{}')"
say "$RESULT"
FIELD() { printf '%s' "$RESULT" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const r=JSON.parse(s);const v=r[process.argv[1]];console.log(Array.isArray(v)?v.join(','):(v??''))})" "$1"; }
PINNED="$(FIELD cuda)"
case ",$HOST_UUIDS," in *",$PINNED,"*) [ -n "$PINNED" ] && check ok "CUDA_VISIBLE_DEVICES=$PINNED names a host device" || check fail "no CUDA_VISIBLE_DEVICES" ;; *) check fail "CUDA_VISIBLE_DEVICES='$PINNED' is not a host device" ;; esac
[ "$(FIELD nvidia)" = "$PINNED" ] && check ok "NVIDIA_VISIBLE_DEVICES=$PINNED" || check fail "NVIDIA_VISIBLE_DEVICES='$(FIELD nvidia)'"
if grep -q '"nvidia"' "$WORK/runtimes.json"; then
  [ -n "$(FIELD devices)" ] && check ok "device nodes in the container: $(FIELD devices)" || check fail "no /dev/nvidia* in the container"
  SMI="$(FIELD smi)"
  [ "$SMI" = "$PINNED" ] && check ok "nvidia-smi in the container sees only $SMI" || say "  NOTE  nvidia-smi in the container: $SMI"
fi
curl -s -u "$AUTH" -X DELETE "$API/api/v1/namespaces/_/actions/gpucheck" > /dev/null || true
[ "$FAILED" = 0 ] && say "== all checks passed" || say "== some checks FAILED"
exit "$FAILED"
