import { decodeActivationMessage, type ActivationMessage } from '../../common/protocol/activation-message';
import type { MessageKey } from '../../common/protocol/message-seal';
import { encodeHeartbeat } from '../../common/protocol/heartbeat';
import type { MessageBus, Subscription } from '../../common/spi/message-bus';
import type { SignalBus } from '../../common/spi/signal-bus';
import type { Naming } from '../../common/naming';
import { TEST_MESSAGE_KEY } from './message-key';

// The invoker's side of the buses without running anything: heartbeats on the signal bus and a
// consumer of the invoker's topic, so a controller test reads exactly the activation messages
// the controller sends.

export interface StandInInvoker {
  readonly invokerId: string;
  /** Every activation message received, in order. */
  readonly sent: ActivationMessage[];
  /** One heartbeat; the controller counts the invoker up until beats stop coming. */
  beat(): void;
  stop(): Promise<void>;
}

export interface StandInInvokerOptions {
  readonly invokerId?: string;
  /** Beat at once and then every so often, for tests that want the invoker up throughout. */
  readonly beatEveryMs?: number;
  /** The key the controller seals with; the file's test key unless given. */
  readonly messageKey?: MessageKey;
}

export async function startStandInInvoker(
  on: { readonly bus: MessageBus; readonly signals: SignalBus; readonly naming: Naming },
  options: StandInInvokerOptions = {},
): Promise<StandInInvoker> {
  const invokerId = options.invokerId ?? 'invoker0';
  const sent: ActivationMessage[] = [];
  const beat = () =>
    on.signals.publish(
      on.naming.healthSubject(),
      encodeHeartbeat({ v: 2, invokerId, sentAt: Date.now(), userMemoryMb: 4096, freeMemoryMb: 4096, consumer: { state: 'running', lastFetchAt: Date.now() }, gpus: [], gpuWarm: [] }),
    );
  const topic = on.naming.invokerTopic(invokerId);
  await on.bus.ensureTopic(topic);
  const consumer: Subscription = await on.bus.subscribe({
    topic,
    groupId: on.naming.invokerGroup(invokerId),
    onMessage: (message) => {
      const decoded = decodeActivationMessage(message.value, options.messageKey ?? TEST_MESSAGE_KEY);
      if (decoded.ok) sent.push(decoded.message);
      consumer.done(message);
    },
  });
  let beating: NodeJS.Timeout | undefined;
  if (options.beatEveryMs !== undefined) {
    beat();
    beating = setInterval(beat, options.beatEveryMs);
  }
  return {
    invokerId,
    sent,
    beat,
    stop: async () => {
      clearInterval(beating);
      await consumer.close();
    },
  };
}
