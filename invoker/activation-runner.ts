import { isBlackboxExec, runtimeFamily, type ContainerRuntime, type RuntimeFamily } from '../common/entities/action';
import { errorResponse, type ActivationRecord, type ActivationResponse } from '../common/entities/activation';
import { activationLogger, type Logger } from '../common/logging/logger';
import type { Naming } from '../common/naming';
import type { ActivationMessage } from '../common/protocol/activation-message';
import { sleep } from '../common/retry/retry';
import type { CollectedLogs, ContainerStatus } from '../common/spi/container-factory';
import type { ActionCache, RunnableAction } from './action-cache';
import { ActivationMessages } from './activation-messages';
import { actionPath, ActivationRecordBuilder } from './activation-record';
import type { CallOutcome } from './call-outcome';
import type { ContainerPool, SlotRequest, Slot } from './pool/container-pool';
import type { WarmContainer } from './pool/warm-container';
import { isContainerImageError, type ContainerImageError } from './containers/container-image-error';
import { formatActivationLogs } from './log-format';
import { classifyInit, classifyRun } from './result-classifier';
import { initPayload, runPayload } from './runtime-payloads';

// One activation, end to end, inside a pool slot the caller reserved (and claimed for): fetch
// the action, create and /init a container on a cold slot, /run, collect logs, build the
// record (activation-record.ts). Everything that can go wrong — in the action or in the platform beneath it —
// becomes a record with a status; nothing escapes as an exception.

export type RunnableSlot = Exclude<Slot, { kind: 'closed' }>;

export interface ActivationRunnerDeps {
  readonly actions: ActionCache;
  readonly pool: ContainerPool;
  readonly naming: Naming;
  readonly invokerId: string;
  readonly runtimeImages: Readonly<Record<RuntimeFamily, string>>;
  readonly logger: Logger;
  readonly now?: () => number;
}

import { gpuPlacementKey } from '../common/entities/gpu';

const MB = 1024 * 1024;
const BLACKBOX_LOG_GRACE_MS = 250;
const DEVELOPER_ERROR_LOG_GRACE_MS = 500;
/** As OpenWhisk's DockerContainer (waitForOomState): how long the engine may take to report an OOM kill. */
const OOM_STATE_WAIT_MS = 2000;
const OOM_STATE_POLL_MS = 10;

/** The pool slot an activation needs: containers are never shared across invoking namespaces or revisions. */
export function slotRequestFor(message: ActivationMessage): SlotRequest {
  const { action, user } = message;
  // Only a managed runtime's family: a stem cell can serve nothing else.
  const family = runtimeFamily(message.kind);
  return {
    key: JSON.stringify([user.namespace, action.namespace, action.name, action.revision]),
    memoryMb: message.limits.memory,
    maxConcurrent: concurrencyOf(message),
    ...(family ? { family } : {}),
    ...(message.limits.gpu ? { gpu: message.limits.gpu, placementKey: gpuPlacementKey(user.namespace, `${action.namespace}/${action.name}`) } : {}),
  };
}

/** Activations one container may run at once: only the nodejs runtime overlaps runs (and tags their logs). */
export function concurrencyOf(message: ActivationMessage): number {
  return runtimeFamily(message.kind) === 'nodejs' ? Math.max(1, message.limits.concurrency) : 1;
}

export class ActivationRunner {
  private readonly now: () => number;
  private containerSeq = 0;

  constructor(private readonly deps: ActivationRunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  async run(message: ActivationMessage, slot: RunnableSlot, attempt: number): Promise<ActivationRecord> {
    const logger = activationLogger(this.deps.logger, {
      transid: message.transid,
      activationId: message.activationId,
      namespace: message.user.namespace,
      action: actionPath(message),
    });
    const activation = new ActivationRecordBuilder(message, concurrencyOf(message) > 1, attempt, this.now, this.deps.invokerId);
    let released = false;
    const release = (reusable: boolean) => {
      if (released || slot.kind === 'too-large') return;
      released = true;
      this.deps.pool.release(slot.entryId, reusable);
    };
    try {
      return await this.runInSlot(activation, slot, release, logger);
    } catch (error) {
      logger.error({ err: error }, 'activation failed inside the invoker');
      release(false);
      return activation.failed(errorResponse(3, ActivationMessages.internalError));
    }
  }

  private async runInSlot(activation: ActivationRecordBuilder, slot: RunnableSlot, release: (reusable: boolean) => void, logger: Logger): Promise<ActivationRecord> {
    const { message } = activation;
    if (slot.kind === 'too-large') {
      if (message.limits.gpu && message.limits.memory <= this.deps.pool.userMemoryMb) {
        return activation.failed(errorResponse(3, ActivationMessages.gpuExceedsInvoker(message.limits.gpu.memory, message.limits.gpu.count)));
      }
      return activation.failed(errorResponse(3, ActivationMessages.memoryExceedsInvoker(message.limits.memory, this.deps.pool.userMemoryMb)));
    }
    const devices = message.limits.gpu ? this.deps.pool.gpuDevicesOf(slot.entryId) : undefined;
    if (devices && message.limits.gpu) activation.gpu = { devices: devices.map(({ index, uuid }) => ({ index, uuid })), memory: message.limits.gpu.memory };
    const fetched = await this.deps.actions.fetch(message.action);
    if (!fetched.ok) {
      logger.warn({ reason: fetched.reason }, 'action not runnable');
      release(true);
      return activation.failed(fetched.response);
    }
    const action = fetched.action;
    activation.kind = action.exec.kind;
    activation.sentinelled = !isBlackboxExec(action.exec);
    const runtime = this.containerRuntime(action);
    if (!runtime) {
      release(true);
      return activation.failed(errorResponse(3, ActivationMessages.unsupportedKind(action.exec.kind)));
    }

    let warm: WarmContainer;
    if (slot.kind === 'cold') {
      const created = await this.deps.pool.create(slot.entryId, {
        name: this.deps.naming.containerName(this.deps.invokerId, this.containerSuffix(message)),
        family: runtime.family,
        image: runtime.image,
        memoryMb: message.limits.memory,
        env: activation.concurrent ? { __OW_ALLOW_CONCURRENT: 'true' } : {},
        // A user's image is given the action's own time to come up, as OpenWhisk gives its /init;
        // a managed runtime that is slow is the platform's problem, bounded by the factory.
        ...(runtime.family === 'blackbox' ? { readyTimeoutMs: message.limits.timeout } : {}),
      });
      if (!created.ok) {
        if (isContainerImageError(created.error)) {
          logger.warn({ err: created.error }, 'the action image cannot be run');
          activation.timedOut = created.error.problem === 'never-ready';
          return activation.failed(errorResponse(2, imageProblemMessage(created.error, message.limits.timeout)));
        }
        logger.error({ err: created.error }, 'container creation failed');
        return activation.failed(errorResponse(3, ActivationMessages.provisionFailed));
      }
      warm = created.warm;
      activation.startKind = created.prewarmed ? 'prewarmed' : 'cold';
      activation.containerId = warm.container.id;
      // As in OpenWhisk, the activation starts with /init; container creation counts as waiting.
      const initStart = activation.begin();
      const initOutcome = await warm.client.init(initPayload(message, action, initStart), message.limits.timeout);
      activation.initTime = this.now() - initStart;
      const verdict = classifyInit(initOutcome, { timeoutMs: message.limits.timeout, oomKilled: await this.oomKilled(warm, initOutcome) });
      if (!verdict.ok) {
        activation.timedOut = verdict.timedOut;
        return this.finish(activation, verdict.response, warm, release, logger);
      }
      this.deps.pool.initialized(slot.entryId);
    } else {
      warm = slot.warm;
      activation.startKind = 'warm';
      activation.containerId = warm.container.id;
      activation.begin();
    }

    // Alone in its container, the activation owns what the container used during its /run.
    const before = activation.concurrent ? undefined : await warm.container.usage?.();
    const runStart = this.now();
    const runOutcome = await warm.client.run(runPayload(message, action, runStart), message.limits.timeout);
    if (before) activation.usage(before, await warm.container.usage?.());
    const verdict = classifyRun(runOutcome, { timeoutMs: message.limits.timeout, oomKilled: await this.oomKilled(warm, runOutcome) });
    activation.timedOut = verdict.timedOut;
    return this.finish(activation, verdict.response, warm, release, logger);
  }

  private containerRuntime(action: RunnableAction): { family: ContainerRuntime; image: string } | undefined {
    if (isBlackboxExec(action.exec)) return { family: 'blackbox', image: action.exec.image };
    const family = runtimeFamily(action.exec.kind);
    return family ? { family, image: this.deps.runtimeImages[family] } : undefined;
  }

  /** Ends the activation: logs, then the container goes back (served well) or away (failed). */
  private async finish(
    activation: ActivationRecordBuilder,
    response: ActivationResponse,
    warm: WarmContainer,
    release: (reusable: boolean) => void,
    logger: Logger,
  ): Promise<ActivationRecord> {
    activation.end();
    const developerError = response.statusCode === 2;
    const logsMb = activation.message.limits.logs;
    const limitBytes = Math.floor(logsMb * MB);
    let collected: CollectedLogs;
    try {
      collected = activation.sentinelled
        ? await warm.container.collectLogs({
            limitBytes,
            waitForSentinel: true,
            // OpenWhisk's bound on waiting for the sentinels: max(limit MB, 5) × 2 s.
            timeoutMs: developerError ? this.developerErrorLogWaitMs(activation) : Math.max(logsMb, 5) * 2000,
            // A concurrent container tags every line: take this activation's only.
            ...(activation.concurrent ? { activationId: activation.message.activationId } : {}),
          })
        : await this.collectUnsentinelled(warm, limitBytes);
    } catch (error) {
      logger.warn({ err: error }, 'log collection failed');
      collected = { lines: [], truncated: false, complete: false };
    }
    release(response.statusCode < 2);
    // A log limit of 0 turns collection off; the lines were read above only to keep them out of the next activation.
    const logs = logsMb === 0 ? [] : formatActivationLogs(collected, { limitBytes, developerError, now: new Date(this.now()) });
    return activation.record(response, logs);
  }

  /**
   * After a developer error the sentinels may never come, so the long wait for them would stall
   * the record. Not waiting at all loses output, though: a runtime that answered (an init
   * failure, a result that is no dictionary) printed its error and the action's lines just
   * before its answer, and they reach the invoker through the engine's log stream after the
   * answer came over HTTP. A moment's wait ends early at the sentinels such a runtime prints, or
   * when a dead container's stream ends; a timed-out action, still busy and printing no
   * sentinels, is not waited for.
   */
  private developerErrorLogWaitMs(activation: ActivationRecordBuilder): number {
    return activation.timedOut ? 0 : DEVELOPER_ERROR_LOG_GRACE_MS;
  }

  /**
   * A blackbox image need not print sentinels (OpenWhisk waits only for its "native" images):
   * take what arrived, giving output still in flight a moment, and an image that does print
   * them ends the wait at once. Missing sentinels are then no sign of lost logs.
   */
  private async collectUnsentinelled(warm: WarmContainer, limitBytes: number): Promise<CollectedLogs> {
    const collected = await warm.container.collectLogs({ limitBytes, waitForSentinel: true, timeoutMs: BLACKBOX_LOG_GRACE_MS });
    return { ...collected, complete: true };
  }

  /**
   * Whether the container was killed for exceeding its memory. The connection breaks the moment
   * the kernel kills the runtime, but the engine records the kill only once it has handled the
   * exit, a little later; so after a dropped connection it is asked again until it reports the
   * container stopped (its answer is then final), for up to 2 s as OpenWhisk polls. After a
   * timeout the container is usually still busy with the action, and is asked once.
   */
  private async oomKilled(warm: WarmContainer, outcome: CallOutcome): Promise<boolean> {
    if (!this.deps.pool.capabilities.reportsOom || (outcome.kind !== 'dropped' && outcome.kind !== 'timeout')) return false;
    const polls = outcome.kind === 'dropped' ? Math.ceil(OOM_STATE_WAIT_MS / OOM_STATE_POLL_MS) : 0;
    for (let poll = 0; ; poll++) {
      let status: ContainerStatus;
      try {
        status = await warm.container.status();
      } catch {
        return false;
      }
      if (status.oomKilled || !status.running || poll >= polls) return status.oomKilled;
      await sleep(OOM_STATE_POLL_MS);
    }
  }

  private containerSuffix(message: ActivationMessage): string {
    // Docker names allow [a-zA-Z0-9_.-]; the action name is only there to help a human reading `docker ps`.
    const readable = message.action.name.replace(/[^a-zA-Z0-9_.-]/g, '').slice(0, 40);
    return `${++this.containerSeq}_${Date.now().toString(36)}_${readable || 'action'}`;
  }
}

function imageProblemMessage(error: ContainerImageError, timeoutMs: number): string {
  switch (error.problem) {
    case 'missing':
      return ActivationMessages.imagePullFailed(error.image);
    case 'unsupported':
      return ActivationMessages.blackboxUnsupported(error.image);
    case 'never-ready':
      return ActivationMessages.timedOut(timeoutMs, true);
    case 'exited':
      return ActivationMessages.initExitedUnexpectedly;
  }
}
