import { Redis } from 'ioredis';
import { percentile } from '../stats';

// Physical floor for the Redis stores: a bare ioredis command round trip (PING, then GET of one
// small key), one command in flight at a time, no Wisp code in between. Store benchmarks divide
// their own numbers by this, measured in the same run.
//
//   npx tsx bench/floors/redis-round-trip.ts [iterations] [redisUrl]

export interface RedisRoundTripOptions {
  readonly url: string;
  readonly iterations: number;
  /** Only this command, `iterations` times; both by default. */
  readonly command?: 'ping' | 'get';
}

/** Milliseconds per round trip: `iterations` PINGs followed by `iterations` GETs (or only `command`), after a warm-up. */
export async function measureRedisRoundTrip(options: RedisRoundTripOptions): Promise<number[]> {
  const pings = options.command === 'get' ? 0 : options.iterations;
  const gets = options.command === 'ping' ? 0 : options.iterations;
  const redis = new Redis(options.url, { lazyConnect: true });
  // Bench scratch key; not a platform key, so it does not come from naming.
  const key = `wisp-bench-floor-${process.pid}`;
  try {
    await redis.connect();
    await redis.set(key, 'x'.repeat(64), 'PX', 60_000);
    for (let i = 0; i < Math.min(500, options.iterations); i++) await redis.ping(); // warm-up: JIT, socket
    const samples: number[] = [];
    for (let i = 0; i < pings; i++) {
      const started = performance.now();
      await redis.ping();
      samples.push(performance.now() - started);
    }
    for (let i = 0; i < gets; i++) {
      const started = performance.now();
      await redis.get(key);
      samples.push(performance.now() - started);
    }
    await redis.del(key);
    return samples;
  } finally {
    redis.disconnect();
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const iterations = Number(argv[0] ?? 5000);
  const url = argv[1] ?? 'redis://127.0.0.1:6379';
  const samples = await measureRedisRoundTrip({ url, iterations });
  const format = (ms: number) => `${ms.toFixed(3)} ms`;
  process.stdout.write(`redis round trip (PING+GET, c=1)   n=${samples.length}  p50=${format(percentile(samples, 50))}  p99=${format(percentile(samples, 99))}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
