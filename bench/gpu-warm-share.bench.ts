import { gpuPlacementKey } from '../common/entities/gpu';
import { placeGpu, type GpuCandidate } from '../controller/invocation/gpu-placement';
import { PoolState } from '../invoker/pool/container-pool-state';

// Issue #12's warm-share question, answered with Wisp's own state machines and declared GPUs but
// no processes: the controller's GPU placement (controller/invocation/gpu-placement.ts) choosing
// among invokers whose pools (invoker/pool/container-pool-state.ts, with their GPU ledgers) run
// every call. 8 GPU actions whose models do not all fit at once (by default 2 invokers × one 16 GB
// device, 6 GB models: 4 of the 8 fit), called one after another with a skewed (Zipf) mix. A call
// is warm when its invoker's pool hands it a warm container (its model loaded). Compared in the
// same run, on the same call sequence, with placements that ignore where models are loaded:
// best fit by free memory alone, and a random eligible invoker.
//
//   npx tsx bench/gpu-warm-share.bench.ts [calls=4000] [invokers=2] [modelMb=6000] [seed=12]
//
// A simulation: calls run back to back and each heartbeat is current, so it measures placement
// alone, not heartbeat lag. The platform-level run of the same workload is still to be written.

const CALLS = Number(process.argv[2] ?? 4000);
const INVOKERS = Number(process.argv[3] ?? 2);
const MODEL_MB = Number(process.argv[4] ?? 6000);
const SEED = Number(process.argv[5] ?? 12);
const ACTIONS = 8;
const DEVICE = { index: 0, name: 'Declared 16GB', memoryMb: 16_384 };

type Strategy = 'wisp (warm first, then best fit)' | 'best fit, ignoring loaded models' | 'random eligible invoker';

function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    // xorshift32: the same sequence on every machine.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** Zipf(s=1) over the actions: a few are hot, the rest are called now and then. */
function workload(random: () => number): number[] {
  const weights = Array.from({ length: ACTIONS }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: CALLS }, () => {
    let pick = random() * total;
    for (let i = 0; i < ACTIONS; i++) if ((pick -= weights[i]!) <= 0) return i;
    return ACTIONS - 1;
  });
}

function run(strategy: Strategy, calls: readonly number[], random: () => number): { warm: number; evictions: number } {
  const pools = Array.from({ length: INVOKERS }, (_, i) => new PoolState(64 * 1024, [{ ...DEVICE, uuid: `GPU-bench-${i}` }]));
  const gpu = { memory: MODEL_MB, count: 1 };
  let warm = 0;
  let evictions = 0;
  calls.forEach((action, n) => {
    const name = `guest/model-${action}`;
    const key = gpuPlacementKey('guest', name);
    const candidates: GpuCandidate[] = pools.map((pool, i) => ({
      invokerId: String(i),
      devices: pool.gpuStatus().map((d) => ({ memoryMb: d.memoryMb, freeMb: d.freeMemoryMb, idleMb: d.idleMemoryMb })),
      warm: strategy.startsWith('wisp') && pool.gpuWarm().includes(key),
    }));
    const placement = placeGpu(candidates, gpu);
    if (placement.kind !== 'chosen') throw new Error('every invoker has a device that holds a model');
    // Every invoker is eligible here (each device holds a model), so a random one is a fair baseline.
    const chosen = strategy === 'random eligible invoker' ? Math.floor(random() * INVOKERS) : Number(placement.invokerId);
    const pool = pools[chosen]!;
    const admission = pool.request({ requestId: `r${n}`, key: name, memoryMb: 256, maxConcurrent: 1, gpu, placementKey: key }, n);
    if (admission.kind !== 'warm' && admission.kind !== 'cold') throw new Error(`call ${n} was ${admission.kind}: calls run one at a time, so each must be admitted`);
    if (admission.kind === 'warm') warm += 1;
    else evictions += admission.evicted.length;
    pool.markReady(admission.entryId);
    pool.release(admission.entryId, true, n);
  });
  return { warm, evictions };
}

const calls = workload(prng(SEED));
const strategies: Strategy[] = ['wisp (warm first, then best fit)', 'best fit, ignoring loaded models', 'random eligible invoker'];
console.log(`GPU warm share: ${CALLS} calls of ${ACTIONS} actions (${MODEL_MB} MB models, Zipf mix, seed ${SEED}) on ${INVOKERS} invoker(s) × one ${DEVICE.memoryMb} MB device`);
console.log(`models that fit at once: ${INVOKERS * Math.floor(DEVICE.memoryMb / MODEL_MB)} of ${ACTIONS}`);
console.log('placement'.padEnd(36), 'warm share', 'model loads', 'evictions');
for (const strategy of strategies) {
  const { warm, evictions } = run(strategy, calls, prng(SEED + 1));
  console.log(strategy.padEnd(36), `${((100 * warm) / CALLS).toFixed(1)}%`.padStart(10), String(CALLS - warm).padStart(11), String(evictions).padStart(9));
}
