// Physical floor for the invoke path's Kafka hop: raw kafkajs, produce with acks=-1 on a fresh
// one-partition topic, consume it in the same process, one message at a time. No Wisp code sits in
// the measured path, so a benchmark can divide its own latency by this number from the same run.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { EnvReader } from '../../common/config/env-reader';
import { readSharedConfig } from '../../common/config/shared-config';
import { createNaming } from '../../common/naming';
import { percentile } from '../stats';

export interface KafkaRoundTripOptions {
  readonly brokers: readonly string[];
  readonly iterations: number;
  /** Round trips run first and not reported: connections, metadata and JIT warm up. */
  readonly warmup?: number;
}

/** Per-message latency in ms, from the start of send() to the consumer seeing the message. */
export async function measureKafkaRoundTrip(options: KafkaRoundTripOptions): Promise<number[]> {
  const naming = createNaming(`wisp-bench-${randomBytes(4).toString('hex')}`);
  const topic = naming.invokerTopic('floor');
  const kafka = new Kafka({ clientId: naming.prefix, brokers: [...options.brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: naming.invokerGroup('floor'), maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let arrived: ((id: string) => void) | undefined;
    await consumer.run({ eachMessage: async ({ message }) => arrived?.(message.value?.toString() ?? '') });

    const roundTrip = async (id: string): Promise<number> => {
      const seen = new Promise<void>((resolve) => {
        arrived = (got) => {
          if (got === id) resolve();
        };
      });
      const start = performance.now();
      await producer.send({ topic, acks: -1, messages: [{ value: Buffer.from(id) }] });
      await seen;
      return performance.now() - start;
    };
    for (let i = 0; i < (options.warmup ?? 50); i++) await roundTrip(`warmup-${i}`);
    const latencies: number[] = [];
    for (let i = 0; i < options.iterations; i++) latencies.push(await roundTrip(`m-${i}`));
    return latencies;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

if (require.main === module) {
  const { kafkaBrokers } = readSharedConfig(new EnvReader(process.env));
  void measureKafkaRoundTrip({ brokers: kafkaBrokers, iterations: 1000 }).then((latencies) => {
    const sorted = [...latencies].sort((a, b) => a - b);
    process.stdout.write(
      `kafka produce(acks=-1)->consume, ${sorted.length} round trips: p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms\n`,
    );
  });
}
