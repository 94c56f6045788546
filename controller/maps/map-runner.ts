import type { ActivationRecord } from '../../common/entities/activation';
import type { Logger } from '../../common/logging/logger';
import { retry } from '../../common/retry/retry';
import type { ActivationStore } from '../../common/spi/activation-store';
import { Messages } from '../../common/errors/messages';
import type { InvokeOutcome, InvokeRequest } from '../invocation/dispatcher';
import { stepActivationId } from '../sequences/step-ids';
import { gatherMap, type ItemOutcome } from './map-gather';

// A map (ADR 0028): one action over a list of payloads, each item a blocking invoke through the
// Dispatcher with an id derived from the map's and its index, `cause` the map's id; the map's own
// record, written here once every item ended, holds every result in order. The map runs in this
// controller's process: unlike a sequence it is not a job on the bus (see the ADR for what a
// controller crash leaves).

export interface ItemInvoker {
  invoke(request: InvokeRequest, blocking: true, maxWaitMs: number): Promise<InvokeOutcome>;
}

export interface MapRunnerDeps {
  readonly invoker: ItemInvoker;
  readonly activations: ActivationStore;
  readonly logger: Logger;
  /** Called with the map's id once its record is stored (frees its throttle slot). */
  readonly onDone?: (activationId: string) => void;
  /** Added to the action's timeout for each item's blocking wait, as for sequence components. */
  readonly itemGraceMs?: number;
  readonly now?: () => number;
}

export interface MapRun {
  /** The map's own request: its id, the action, and the shared params as payload. */
  readonly request: InvokeRequest & { readonly activationId: string };
  readonly payloads: readonly Record<string, unknown>[];
  readonly concurrency: number;
}

export class MapRunner {
  private readonly now: () => number;
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly deps: MapRunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Same contract as Dispatcher.invoke: the record when it is stored within the wait, else only the id (the map goes on). */
  async invoke(run: MapRun, blocking: boolean, maxWaitMs = 0): Promise<InvokeOutcome> {
    const { activationId } = run.request;
    const work = this.run(run);
    this.running.add(work);
    void work.finally(() => this.running.delete(work)).catch(() => undefined);
    work.catch((err: unknown) => this.deps.logger.error({ err, activationId, transid: run.request.transid }, 'map failed unexpectedly'));
    if (!blocking) return { kind: 'accepted', activationId };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), maxWaitMs);
    });
    const record = await Promise.race([work.catch(() => undefined), timedOut]);
    clearTimeout(timer);
    return record ? { kind: 'completed', activationId, record } : { kind: 'accepted', activationId };
  }

  /** Resolves once every map under way here stored its record, or after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.running]), grace]);
    clearTimeout(timer);
  }

  private async run({ request, payloads, concurrency }: MapRun): Promise<ActivationRecord> {
    const start = this.now();
    const { activationId } = request;
    const doc = request.action.doc;
    const log = this.deps.logger.child({ transid: request.transid, activationId, namespace: request.identity.namespace, action: `${request.actionNamespace}/${request.actionName}` });
    const waitMs = doc.limits.timeout + (this.deps.itemGraceMs ?? 60_000);
    const result = await gatherMap(payloads.length, concurrency, async (index): Promise<ItemOutcome> => {
      const itemId = stepActivationId(activationId, index);
      const { activationId: _mapId, ...shared } = request;
      try {
        const outcome = await this.deps.invoker.invoke({ ...shared, payload: payloads[index]!, activationId: itemId, cause: activationId }, true, waitMs);
        if (outcome.kind === 'accepted') return { activationId: itemId, success: false, result: { error: Messages.mapItemTimeout(itemId) } };
        return { activationId: itemId, success: outcome.record.response.statusCode === 0, result: outcome.record.response.result };
      } catch (err) {
        log.error({ err, mapItem: index }, 'map item could not be invoked');
        return { activationId: itemId, success: false, result: { error: Messages.mapItemNotInvoked } };
      }
    });
    const end = this.now();
    const record: ActivationRecord = {
      namespace: request.identity.namespace,
      name: request.actionName,
      subject: request.identity.subject,
      activationId,
      start,
      end,
      duration: end - start,
      response: { statusCode: 0, result: { results: result.results, activationIds: result.activationIds, failed: result.failed } },
      logs: [...result.activationIds],
      version: doc.version,
      publish: false,
      annotations: [
        { key: 'topmost', value: true },
        { key: 'path', value: `${request.actionNamespace}/${request.actionName}` },
        { key: 'kind', value: 'map' },
        { key: 'limits', value: doc.limits },
        { key: 'mapConcurrency', value: concurrency },
        ...(request.binding ? [{ key: 'binding', value: request.binding }] : []),
      ],
    };
    await retry(() => this.deps.activations.create(record), {
      attempts: 10,
      minDelayMs: 200,
      maxDelayMs: 5000,
      retryIf: () => true,
      onRetry: (err) => log.warn({ err }, 'map record could not be stored; trying again'),
    });
    this.deps.onDone?.(activationId);
    return record;
  }
}
