import type { InitValue, RunPayload, Unchecked } from '../../common/protocol/runtime-protocol';
import { isInitError, type ActionMain, type LoadRequest } from './load-action';
import { RuntimeMessages, errorReply, type Reply } from './runtime-messages';
import { runAction } from './run-action';

// The proxy's state machine, free of HTTP: one /init, then /run per activation. Runs are
// counted rather than flagged: with concurrency allowed, `maxConcurrent` is large and each run's
// output is tagged with its activation id (`withActivation`), its sentinels too.

const OW_PREFIX = '__OW_';

export type RuntimeStatus = 'uninitialized' | 'starting' | 'ready' | 'failed';

export interface RuntimeHooks {
  readonly load: (request: LoadRequest) => Promise<ActionMain>;
  readonly setEnv: (name: string, value: string) => void;
  readonly unsetEnv: (name: string) => void;
  /** Ends the activation's logs on stdout and on stderr; tagged with its id when output is tagged. */
  readonly writeSentinels: (activationId?: string) => void;
  readonly logError: (...args: unknown[]) => void;
  readonly maxConcurrent: number;
  /** Present when runs may overlap: runs one activation's code with its output tagged. */
  readonly withActivation?: <T>(activationId: string, fn: () => Promise<T>) => Promise<T>;
}

export class ActionRuntime {
  private state: RuntimeStatus = 'uninitialized';
  private main: ActionMain | undefined;
  private running = 0;
  /** The __OW_* names the last /run (or /init) exported: one the next run lacks is removed, not left over. */
  private runEnv = new Set<string>();

  constructor(private readonly hooks: RuntimeHooks) {}

  get status(): RuntimeStatus {
    return this.state;
  }

  async init(body: unknown): Promise<Reply> {
    if (this.state === 'ready' || this.state === 'failed') return errorReply(403, RuntimeMessages.initTwice);
    if (this.state === 'starting') return errorReply(403, RuntimeMessages.notReady(this.state));
    const message: Unchecked<InitValue> = isRecord(body) && isRecord(body.value) ? body.value : {};
    const { main, code } = message;
    if (typeof main !== 'string' || main === '' || typeof code !== 'string' || code === '') {
      return errorReply(403, RuntimeMessages.missingCode);
    }
    this.state = 'starting';
    // Init parameters are visible while the code loads, as a module's top level may read them.
    if (isRecord(message.env)) {
      for (const [name, value] of Object.entries(message.env)) {
        this.hooks.setEnv(name, envString(value));
        // The first activation's context (its caller's __OW_API_KEY too) belongs to that activation
        // only: a run that lacks a field drops it, as it drops the previous run's.
        if (name.startsWith(OW_PREFIX)) this.runEnv.add(name);
      }
    }
    try {
      this.main = await this.hooks.load({ main, code, binary: message.binary === true });
      this.state = 'ready';
      return { status: 200, body: { OK: true } };
    } catch (error) {
      this.state = 'failed';
      this.hooks.logError('Error during initialization:', error);
      this.hooks.writeSentinels();
      const text = isInitError(error) ? error.message : RuntimeMessages.initFailed(stackOf(error));
      return errorReply(502, text);
    }
  }

  async run(body: unknown): Promise<Reply> {
    if (this.state !== 'ready' || !this.main) return errorReply(403, RuntimeMessages.notInitialized);
    if (this.running >= this.hooks.maxConcurrent) return errorReply(403, RuntimeMessages.notReady('running'));
    const request: Unchecked<RunPayload> = isRecord(body) ? body : {};
    // Only strings are exported, as upstream does: a number here would be a platform bug.
    const exported = new Map<string, string>();
    for (const [field, value] of Object.entries(request)) {
      if (field !== 'value' && typeof value === 'string') exported.set(`${OW_PREFIX}${field.toUpperCase()}`, value);
    }
    // The previous caller's __OW_API_KEY (or any variable this run lacks) must not reach this one.
    for (const name of this.runEnv) if (!exported.has(name)) this.hooks.unsetEnv(name);
    for (const [name, value] of exported) this.hooks.setEnv(name, value);
    this.runEnv = new Set(exported.keys());
    const main = this.main;
    const tag = this.hooks.withActivation && typeof request.activation_id === 'string' ? request.activation_id : undefined;
    this.running += 1;
    try {
      const params = request.value ?? {};
      if (typeof params !== 'object') return errorReply(403, RuntimeMessages.argumentNotDictionary(typeof params));
      const execute = () => runAction(main, params, this.hooks.logError);
      return await (tag !== undefined && this.hooks.withActivation ? this.hooks.withActivation(tag, execute) : execute());
    } finally {
      this.running -= 1;
      this.hooks.writeSentinels(tag);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Init env values are strings; anything else is stringified as the invoker would have. */
function envString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function stackOf(error: unknown): string {
  if (error instanceof Error && error.stack) return error.stack;
  return String(error);
}
