// Summaries for benchmark samples: medians and tails, never single runs.

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
}

export function summarize(samples: readonly number[]): Summary {
  return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/**
 * Percentiles of per-call sums: call i of every series added up. A floor made of several hops is the
 * distribution of their total; the sum of their percentiles would overstate its tail, since the
 * slowest calls of different hops rarely coincide. Series of different lengths are cut to the shortest.
 */
export function summarizeSums(...series: readonly (readonly number[])[]): Summary {
  const n = Math.min(...series.map((s) => s.length));
  return summarize(Array.from({ length: n }, (_, i) => series.reduce((sum, s) => sum + s[i]!, 0)));
}

/** One row per figure: the figure, its floor measured in the same run, and the ratio. */
export function printComparison(rows: readonly { name: string; value: Summary; floor: Summary; floorName: string }[]): void {
  const fmt = (n: number) => n.toFixed(3).padStart(9);
  const lines = [
    `${'figure'.padEnd(34)} ${'n'.padStart(6)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} | ${'floor'.padEnd(36)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} | ${'x p50'.padStart(6)} ${'x p99'.padStart(6)}`,
  ];
  for (const r of rows) {
    lines.push(
      `${r.name.padEnd(34)} ${String(r.value.n).padStart(6)} ${fmt(r.value.p50)} ${fmt(r.value.p99)} | ${r.floorName.padEnd(36)} ${fmt(r.floor.p50)} ${fmt(r.floor.p99)} | ${(r.value.p50 / r.floor.p50).toFixed(2).padStart(6)} ${(r.value.p99 / r.floor.p99).toFixed(2).padStart(6)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
