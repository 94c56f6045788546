import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startDistributedPlatform, startStandalonePlatform } from '../test/harness/platforms';
import { printComparison, summarize } from './stats';
import { BENCH_PLATFORM_ENV } from './api-call';

// Idle memory (RSS) of each process Wisp runs (issue #11): standalone (controller, invoker and
// triggers in one process, process containers) and the distributed controller and invoker, each
// sampled once a second for a while after it is ready and has served nothing. The floor, measured
// in the same run: a bare node process that only keeps an interval alive.
//
//   bash deploy/stack.sh up && npx tsx bench/idle-memory.bench.ts [samples=15]

const SAMPLES = Number(process.argv[2] ?? 15);

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '')) / 1024;
}

async function sample(pids: Record<string, number>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((name) => [name, []]));
  for (let i = 0; i < SAMPLES; i++) {
    for (const [name, pid] of Object.entries(pids)) out[name]!.push(rssMb(pid));
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return out;
}

async function main(): Promise<void> {
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const standalone = await startStandalonePlatform({ prefix: `bench-idle-sa-${process.pid}`, containers: 'process' });
  const distributed = await startDistributedPlatform({ prefix: `bench-idle-d-${process.pid}`, env: BENCH_PLATFORM_ENV });
  try {
    const pids: Record<string, number> = { bare: bare.pid! };
    pids.standalone = standalone.process.child.pid!;
    for (const p of distributed.processes) pids[`distributed ${p.name}`] = p.child.pid!;
    const samples = await sample(pids);
    const floor = summarize(samples.bare!);
    process.stdout.write(`idle RSS in MB, ${SAMPLES} samples a second apart (the p50/p99 columns are MB, not ms)\n`);
    printComparison(
      Object.entries(samples)
        .filter(([name]) => name !== 'bare')
        .map(([name, values]) => ({ name, value: summarize(values), floor, floorName: 'bare node process' })),
    );
  } finally {
    bare.kill();
    await standalone.stop();
    await distributed.stop();
  }
}

void main();
