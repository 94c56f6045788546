import { randomBytes } from 'node:crypto';
import { AckPolicy, connect, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg, type NatsConnection, type Subscription } from 'nats';
import type { NatsFeedSpec } from '../../common/feeds/message-spec';
import type { Logger } from '../../common/logging/logger';
import type { RawMessage } from './message-batch';
import type { MessageSource, SourceHealth } from './message-source';

// A natsFeed's source. With a JetStream `stream`: a durable pull consumer of the registration,
// explicit acks sent only for messages whose fire was accepted; at every start the consumer is
// placed again just after its ack floor, so whatever this replica (or a dead one) held unacked is
// delivered again at once rather than after ack_wait. Without a stream: a core NATS subscription,
// at most once (messages published while nobody is subscribed are gone; READ says so).

/** Long: redelivery is driven by restarts (above), not by the server's timer while a fire is retried. */
const ACK_WAIT_MS = 10 * 60_000;

export function createNatsSource(spec: NatsFeedSpec, durable: string, logger: Logger): MessageSource {
  let nc: NatsConnection | undefined;
  let messages: ConsumerMessages | undefined;
  let core: Subscription | undefined;
  let connected = true;
  const held = new WeakMap<RawMessage, JsMsg>();
  const what = spec.servers.join(',');

  async function startJetStream(conn: NatsConnection, stream: string, onMessage: (message: RawMessage) => void): Promise<void> {
    const jsm = await conn.jetstreamManager();
    const existing = await jsm.consumers.info(stream, durable).catch(() => undefined);
    const from = Math.max(existing ? existing.ack_floor.stream_seq + 1 : 1, spec.startSequence ?? 1);
    if (existing) await jsm.consumers.delete(stream, durable);
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
      filter_subject: spec.subject,
      ack_wait: nanos(ACK_WAIT_MS),
      max_ack_pending: Math.max(1000, 4 * spec.batchSize),
    });
    const consumer = await conn.jetstream().consumers.get(stream, durable);
    const stream$ = await consumer.consume({ max_messages: Math.max(100, 2 * spec.batchSize) });
    messages = stream$;
    let last = from - 1;
    void (async () => {
      for await (const m of stream$) {
        // A server redelivery of something still queued here: it is fired (and acked) once already.
        if (m.seq <= last) continue;
        last = m.seq;
        const raw: RawMessage = { lane: stream, position: String(m.seq), value: Buffer.from(m.data), meta: { subject: m.subject, sequence: m.seq } };
        held.set(raw, m);
        onMessage(raw);
      }
    })().catch((err: unknown) => logger.warn({ err }, 'JetStream consume loop ended'));
  }

  function startCore(conn: NatsConnection, onMessage: (message: RawMessage) => void): void {
    // Positions restart with every subscription: the lane carries a fresh id, so fire ids never repeat.
    const lane = `core-${randomBytes(4).toString('hex')}`;
    let n = 0;
    core = conn.subscribe(spec.subject, {
      callback: (err, m) => {
        if (err) return void logger.warn({ err }, 'NATS subscription error');
        onMessage({ lane, position: String(++n), value: Buffer.from(m.data), meta: { subject: m.subject } });
      },
    });
  }

  return {
    async start(onMessage) {
      const conn = await connect({ servers: [...spec.servers], name: `wisp-feed-${durable}`, maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: 3000 });
      nc = conn;
      void (async () => {
        for await (const status of conn.status()) {
          if (status.type === 'disconnect') connected = false;
          if (status.type === 'reconnect') connected = true;
        }
      })().catch(() => undefined);
      try {
        if (spec.stream) await startJetStream(conn, spec.stream, onMessage);
        else startCore(conn, onMessage);
      } catch (err) {
        nc = undefined;
        await conn.close().catch(() => undefined);
        throw err;
      }
    },
    done(done) {
      for (const raw of done) held.get(raw)?.ack();
    },
    // JetStream's max_ack_pending bounds what is queued here; core NATS cannot be paused.
    pause: () => undefined,
    resume: () => undefined,
    health(): SourceHealth {
      return connected ? { ok: true } : { ok: false, reason: `NATS servers ${what} unreachable; reconnecting` };
    },
    async close() {
      const conn = nc;
      nc = undefined;
      messages?.stop();
      core?.unsubscribe();
      // Acks sent just before must reach the server before the connection goes.
      await conn?.drain().catch(() => conn.close());
    },
    async forget() {
      if (!spec.stream) return;
      let conn: NatsConnection | undefined;
      try {
        conn = await connect({ servers: [...spec.servers], timeout: 3000, reconnect: false });
        await (await conn.jetstreamManager()).consumers.delete(spec.stream, durable);
      } catch (err) {
        logger.warn({ err, durable }, 'the deleted feed\'s durable consumer could not be removed');
      } finally {
        await conn?.close().catch(() => undefined);
      }
    },
  };
}
