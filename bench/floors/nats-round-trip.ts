// Physical floor for the SignalBus hop: raw core NATS request/reply on one connection to the local
// server. No Wisp code sits in the measured path.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { connect } from 'nats';
import { EnvReader } from '../../common/config/env-reader';
import { readSharedConfig } from '../../common/config/shared-config';
import { createNaming } from '../../common/naming';
import { percentile } from '../stats';

export interface NatsRoundTripOptions {
  readonly servers: string | readonly string[];
  readonly iterations: number;
  /** Round trips run first and not reported. */
  readonly warmup?: number;
}

/** Per-request latency in ms of a request answered by a responder on the same server. */
export async function measureNatsRoundTrip(options: NatsRoundTripOptions): Promise<number[]> {
  const naming = createNaming(`wisp-bench-${randomBytes(4).toString('hex')}`);
  const subject = naming.healthSubject();
  const nc = await connect({ servers: typeof options.servers === 'string' ? options.servers : [...options.servers], name: naming.prefix });
  try {
    nc.subscribe(subject, { callback: (_err, msg) => msg.respond(msg.data) });
    await nc.flush();
    const payload = Buffer.from('ping');
    const roundTrip = async (): Promise<number> => {
      const start = performance.now();
      await nc.request(subject, payload, { timeout: 5000 });
      return performance.now() - start;
    };
    for (let i = 0; i < (options.warmup ?? 200); i++) await roundTrip();
    const latencies: number[] = [];
    for (let i = 0; i < options.iterations; i++) latencies.push(await roundTrip());
    return latencies;
  } finally {
    await nc.drain();
  }
}

if (require.main === module) {
  const { natsUrl } = readSharedConfig(new EnvReader(process.env));
  void measureNatsRoundTrip({ servers: natsUrl, iterations: 5000 }).then((latencies) => {
    const sorted = [...latencies].sort((a, b) => a - b);
    process.stdout.write(
      `nats request/reply, ${sorted.length} round trips: p50 ${percentile(sorted, 50).toFixed(3)} ms, p99 ${percentile(sorted, 99).toFixed(3)} ms\n`,
    );
  });
}
