import type { ActionDoc } from '../../common/entities/action';
import type { ActivationRecord } from '../../common/entities/activation';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { DEFAULT_LIMITS, type ActionLimits } from '../../common/entities/limits';
import type { KeyValue } from '../../common/entities/parameters';
import { newActivationId, newTransactionId } from '../../common/ids';
import type { Naming } from '../../common/naming';
import { ACTIVATION_MESSAGE_VERSION, encodeActivationMessage, type ActivationMessage } from '../../common/protocol/activation-message';
import type { MessageKey } from '../../common/protocol/message-seal';
import { decodeCompletion, type CompletionMessage } from '../../common/protocol/completion-message';
import type { ActivationStore } from '../../common/spi/activation-store';
import type { EntityStore } from '../../common/spi/entity-store';
import type { MessageBus } from '../../common/spi/message-bus';
import type { SignalBus, SignalSubscription } from '../../common/spi/signal-bus';
import { TEST_MESSAGE_KEY } from './message-key';

// Plays the controller's part for invoker tests, over whichever real ports a test wires: stores
// an action, sends activation messages to an invoker's topic, and collects the acks on its
// completion subject. Shared by the memory-backed unit test and the Kafka/NATS/Redis/Docker
// integration test, so both exercise the same path.

export interface HarnessPorts {
  readonly naming: Naming;
  readonly bus: MessageBus;
  readonly signals: SignalBus;
  readonly entities: EntityStore;
  readonly activations: ActivationStore;
  /** The key messages are sealed with; the file's test key unless given. */
  readonly messageKey?: MessageKey;
}

export interface DeployedAction {
  readonly namespace: string;
  readonly name: string;
  readonly revision: string;
  readonly doc: ActionDoc;
}

export class InvokerHarness {
  readonly controllerId = `controller-${newTransactionId().slice(0, 8)}`;
  readonly acks = new Map<string, CompletionMessage[]>();
  private readonly waiters = new Map<string, (ack: CompletionMessage) => void>();
  private subscription: SignalSubscription | undefined;

  constructor(private readonly ports: HarnessPorts) {}

  async open(): Promise<void> {
    this.subscription = await this.ports.signals.subscribe(this.ports.naming.completionSubject(this.controllerId), (payload) => {
      const ack = decodeCompletion(payload);
      if (!ack) return;
      this.acks.set(ack.activationId, [...(this.acks.get(ack.activationId) ?? []), ack]);
      this.waiters.get(ack.activationId)?.(ack);
    });
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }

  async deploy(name: string, code: string, options: { limits?: Partial<ActionLimits>; parameters?: KeyValue[]; annotations?: KeyValue[] } = {}): Promise<DeployedAction> {
    const doc: ActionDoc = {
      entityType: 'action',
      namespace: 'guest',
      name,
      version: '0.0.1',
      publish: false,
      exec: { kind: 'nodejs:20', code, binary: false },
      parameters: options.parameters ?? [],
      annotations: options.annotations ?? [],
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      updated: Date.now(),
    };
    const put = await this.ports.entities.put('guest', name, doc, null);
    if (!put.ok) throw new Error(`could not store action ${name}: ${put.reason}`);
    return { namespace: 'guest', name, revision: put.revision, doc };
  }

  message(action: DeployedAction, content: Record<string, unknown> = {}): ActivationMessage {
    return {
      v: ACTIVATION_MESSAGE_VERSION,
      activationId: newActivationId(),
      transid: newTransactionId(),
      controllerId: this.controllerId,
      action: { namespace: action.namespace, name: action.name, revision: action.revision, version: action.doc.version },
      limits: action.doc.limits,
      kind: action.doc.exec.kind,
      user: { subject: 'guest', namespace: 'guest', authKey: GUEST_AUTH },
      content,
      blocking: true,
      acceptedAt: Date.now(),
    };
  }

  async send(invokerId: string, ...messages: (ActivationMessage | Buffer)[]): Promise<void> {
    await this.ports.bus.send(
      this.ports.naming.invokerTopic(invokerId),
      messages.map((m) => (Buffer.isBuffer(m) ? { value: m } : { key: m.activationId, value: encodeActivationMessage(m, this.ports.messageKey ?? TEST_MESSAGE_KEY) })),
    );
  }

  waitForAck(activationId: string, timeoutMs = 20000): Promise<CompletionMessage> {
    const seen = this.acks.get(activationId)?.[0];
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(activationId);
        reject(new Error(`no ack for ${activationId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(activationId, (ack) => {
        clearTimeout(timer);
        this.waiters.delete(activationId);
        resolve(ack);
      });
    });
  }

  /** Sends one activation and answers its stored record once the ack arrived. */
  async invoke(invokerId: string, action: DeployedAction, content: Record<string, unknown> = {}): Promise<ActivationRecord> {
    const message = this.message(action, content);
    await this.send(invokerId, message);
    return this.recordAfterAck(message.activationId);
  }

  async recordAfterAck(activationId: string): Promise<ActivationRecord> {
    await this.waitForAck(activationId);
    const record = await this.ports.activations.getById(activationId);
    if (!record) throw new Error(`acked activation ${activationId} has no record`);
    return record;
  }
}

export function annotationOf(record: ActivationRecord, key: string): unknown {
  return record.annotations.find((a) => a.key === key)?.value;
}
