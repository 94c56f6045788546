import type { ActivationRecord, ActivationResponse, StartKind } from '../common/entities/activation';
import type { KeyValue } from '../common/entities/parameters';
import type { ContainerUsage } from '../common/spi/container-factory';
import type { ActivationMessage } from '../common/protocol/activation-message';

// The record of one activation as it is built: the timings and annotations OpenWhisk's
// ContainerProxy writes. The runner sets what it learns along the way (the action's kind,
// a timeout, /init's time) and asks for the record at the end.
//
// Beyond OpenWhisk's annotations it adds some an OpenWhisk client ignores (ADR 0023): where the
// activation ran (`invokerId`, `containerId`), how it started (`startKind`: a new container, a
// stem cell, or a warm one) and `retryCount` (claims before this one); and, where the factory
// measures them and the activation ran alone in its container, `cpuTimeMs` and `memoryPeakMb`
// of its /run (ADR 0023).


export class ActivationRecordBuilder {
  kind: string;
  timedOut = false;
  /** The runtime ends each activation's output with sentinels (every managed runtime does). */
  sentinelled = true;
  initTime: number | undefined;
  /** The devices a GPU activation's container is pinned to, and the memory it holds on each. */
  gpu: { readonly devices: readonly { index: number; uuid: string }[]; readonly memory: number } | undefined;
  /** Unknown when the activation never reached a container. */
  startKind: StartKind | undefined;
  containerId: string | undefined;
  private cpuTimeMs: number | undefined;
  private memoryPeakMb: number | undefined;
  private startedAt: number | undefined;
  private endedAt: number | undefined;

  constructor(
    readonly message: ActivationMessage,
    /** Runs in a container that may hold other activations at once: its output is tagged. */
    readonly concurrent: boolean,
    private readonly attempt: number,
    private readonly now: () => number,
    private readonly invokerId?: string,
  ) {
    this.kind = message.kind;
  }

  /** The container's figures before and after the /run; nothing is noted when either is missing. */
  usage(before: ContainerUsage, after: ContainerUsage | undefined): void {
    if (!after) return;
    this.cpuTimeMs = Math.max(0, Math.round((after.cpuNanos - before.cpuNanos) / 1e4) / 100);
    if (after.memoryPeakBytes !== undefined) this.memoryPeakMb = Math.round((after.memoryPeakBytes / (1024 * 1024)) * 10) / 10;
  }

  begin(): number {
    this.startedAt = this.now();
    return this.startedAt;
  }

  end(): void {
    this.endedAt = this.now();
  }

  /** A record for an activation that never reached a container: duration 0, no logs. */
  failed(response: ActivationResponse): ActivationRecord {
    this.startedAt = this.now();
    this.endedAt = this.startedAt;
    return this.record(response, []);
  }

  record(response: ActivationResponse, logs: string[]): ActivationRecord {
    const { message } = this;
    const start = this.startedAt ?? this.now();
    const end = this.endedAt ?? start;
    const annotations: KeyValue[] = [
      { key: 'path', value: actionPath(message) },
      { key: 'waitTime', value: Math.max(0, start - message.acceptedAt) },
      { key: 'kind', value: this.kind },
      { key: 'timeout', value: this.timedOut },
      { key: 'limits', value: message.limits },
    ];
    if (this.initTime !== undefined) annotations.push({ key: 'initTime', value: this.initTime });
    if (this.gpu) annotations.push({ key: 'gpu', value: this.gpu });
    // OpenWhisk annotates sequence components only; rule-caused activations keep `cause` alone.
    if (message.causedBy === 'sequence') annotations.push({ key: 'causedBy', value: 'sequence' });
    if (message.binding) annotations.push({ key: 'binding', value: message.binding });
    if (typeof message.trigger === 'string') annotations.push({ key: 'trigger', value: message.trigger });
    // A run after an expired claim: another invoker (or an earlier life of this one) may have run it too.
    if (this.attempt > 1) annotations.push({ key: 'attempt', value: this.attempt });
    annotations.push({ key: 'retryCount', value: Math.max(0, this.attempt - 1) });
    if (this.invokerId !== undefined) annotations.push({ key: 'invokerId', value: this.invokerId });
    if (this.startKind !== undefined) annotations.push({ key: 'startKind', value: this.startKind });
    if (this.containerId !== undefined) annotations.push({ key: 'containerId', value: this.containerId });
    if (this.cpuTimeMs !== undefined) annotations.push({ key: 'cpuTimeMs', value: this.cpuTimeMs });
    if (this.memoryPeakMb !== undefined) annotations.push({ key: 'memoryPeakMb', value: this.memoryPeakMb });
    return {
      namespace: message.user.namespace,
      name: message.action.name,
      subject: message.user.subject,
      activationId: message.activationId,
      start,
      end,
      duration: end - start,
      ...(message.cause ? { cause: message.cause } : {}),
      response,
      logs,
      version: message.action.version,
      publish: false,
      annotations,
    };
  }
}

/** `ns/action` or `ns/pkg/action`, as the record's `path` annotation and the logs name it. */
export function actionPath(message: ActivationMessage): string {
  return `${message.action.namespace}/${message.action.name}`;
}
