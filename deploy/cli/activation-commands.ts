import type { Command } from 'commander';
import { asArray } from './action-commands';
import { activationTable, stripLogLine, type ActivationSummary } from './activation-view';
import type { CliEnvironment, CommandContext } from './cli-context';
import { CliFailure, CliUsageError } from './cli-error';
import { handle, leaf } from './command-kit';
import { prettyJson } from './output';
import type { Query } from './whisk-client';

// `wisp activation list|get|logs|result|poll`. list passes OpenWhisk's parameters and the
// filters Wisp adds (status, start kind, trigger, cause, minimum duration, cursor); a platform
// that does not know a filter ignores it, as it ignores any unknown query parameter.

interface ListOptions {
  readonly skip?: string;
  readonly limit?: string;
  readonly since?: string;
  readonly upto?: string;
  readonly full?: boolean;
  readonly count?: boolean;
  readonly status?: string;
  readonly start?: string;
  readonly trigger?: string;
  readonly cause?: string;
  readonly minDuration?: string;
  readonly cursor?: string;
}

interface PollOptions {
  readonly exit?: string;
  readonly sinceSeconds?: string;
  readonly sinceMinutes?: string;
  readonly sinceHours?: string;
  readonly sinceDays?: string;
}

/** wsk polls every two seconds. */
export const POLL_INTERVAL_MS = 2000;

export function registerActivationCommands(program: Command, cli: CliEnvironment): void {
  const activation = program.command('activation').description('work with activations');

  leaf(activation, 'list [name]', 'list activations, newest first')
    .option('-s, --skip <n>', 'skip this many activations from the newest')
    .option('-l, --limit <n>', 'only return this many activations (default 30, max 200)')
    .option('--since <epochMs>', 'activations that started at or after this time')
    .option('--upto <epochMs>', 'activations that started at or before this time')
    .option('-f, --full', 'the whole records, with results and logs')
    .option('-c, --count', 'only the number of activations')
    .option('--status <status>', 'success, application_error, developer_error or internal_error')
    .option('--start <kind>', 'cold, prewarmed or warm')
    .option('--trigger <name>', 'activations caused by this trigger')
    .option('--cause <activationId>', 'activations caused by this sequence or rule activation')
    .option('--min-duration <ms>', 'activations that ran at least this long')
    .option('--cursor <cursor>', 'the page after the one that answered this nextCursor')
    .action(
      handle<ListOptions>(cli, async (ctx, [name], options) => {
        const body = await ctx.client().call({ method: 'GET', path: activationsPath(ctx), query: listQuery(name, options) }, 'obtain the list of activations');
        if (options.count === true) return ctx.report(body, () => `activations: ${String((body as { activations?: unknown }).activations ?? '')}`);
        ctx.report(body, () => activationTable(activationsOf(body)));
      }),
    );

  leaf(activation, 'get [activationId]', 'get an activation')
    .option('-l, --last', 'the newest activation')
    .action(
      handle<{ last?: boolean }>(cli, async (ctx, [id], options) => {
        const activationId = await resolveId(ctx, id, options.last);
        const body = await ctx.client().call({ method: 'GET', path: `${activationsPath(ctx)}/${encodeURIComponent(activationId)}` }, `get activation '${activationId}'`);
        ctx.report(body, () => `ok: got activation ${activationId}\n${prettyJson(body)}`);
      }),
    );

  leaf(activation, 'logs [activationId]', 'print the logs of an activation')
    .option('-l, --last', 'the newest activation')
    .option('-r, --strip', 'print the log text alone, without time and stream')
    .action(
      handle<{ last?: boolean; strip?: boolean }>(cli, async (ctx, [id], options) => {
        const activationId = await resolveId(ctx, id, options.last);
        const body = await ctx.client().call({ method: 'GET', path: `${activationsPath(ctx)}/${encodeURIComponent(activationId)}/logs` }, `get logs for activation '${activationId}'`);
        const logs = ((body as { logs?: unknown }).logs ?? []) as string[];
        ctx.report(body, () => logs.map((line) => (options.strip === true ? stripLogLine(line) : line)).join('\n'));
      }),
    );

  leaf(activation, 'result [activationId]', 'print the result of an activation')
    .option('-l, --last', 'the newest activation')
    .action(
      handle<{ last?: boolean }>(cli, async (ctx, [id], options) => {
        const activationId = await resolveId(ctx, id, options.last);
        const body = await ctx.client().call({ method: 'GET', path: `${activationsPath(ctx)}/${encodeURIComponent(activationId)}/result` }, `get result for activation '${activationId}'`);
        const result = typeof body === 'object' && body !== null && 'result' in body ? (body as { result: unknown }).result : body;
        ctx.report(body, () => prettyJson(result));
      }),
    );

  leaf(activation, 'poll [name]', 'print the logs of new activations as they arrive, until Ctrl-C')
    .option('-e, --exit <seconds>', 'stop after this many seconds')
    .option('--since-seconds <n>', 'start from activations this many seconds old')
    .option('--since-minutes <n>', 'start from activations this many minutes old')
    .option('--since-hours <n>', 'start from activations this many hours old')
    .option('--since-days <n>', 'start from activations this many days old')
    .action(handle<PollOptions>(cli, (ctx, [name], options) => poll(ctx, name, options)));
}

async function poll(ctx: CommandContext, name: string | undefined, options: PollOptions): Promise<void> {
  const exitAfter = options.exit !== undefined ? seconds('exit', options.exit, 1) * 1000 : undefined;
  const back =
    seconds('since-seconds', options.sinceSeconds, 1) + seconds('since-minutes', options.sinceMinutes, 60) + seconds('since-hours', options.sinceHours, 3600) + seconds('since-days', options.sinceDays, 86400);
  const started = ctx.cli.now();
  const since = started - back * 1000;
  const seen = new Set<string>();
  const client = ctx.client();
  if (!ctx.json) ctx.stdout(`Enter Ctrl-c to exit.\nPolling for activation logs\n`);
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  ctx.cli.interrupted.addEventListener('abort', onInterrupt);
  let timer: NodeJS.Timeout | undefined;
  if (exitAfter !== undefined) timer = setTimeout(() => stop.abort(), exitAfter);
  try {
    while (!stop.signal.aborted && !ctx.cli.interrupted.aborted) {
      const body = await client.call({ method: 'GET', path: activationsPath(ctx), query: { docs: true, limit: 0, skip: 0, since, ...(name !== undefined ? { name } : {}) } }, 'poll for activations');
      // Newest first from the platform; printed oldest first, each once.
      for (const activation of [...activationsOf(body)].reverse()) {
        const id = String(activation.activationId);
        if (seen.has(id)) continue;
        seen.add(id);
        if (ctx.json) ctx.stdout(JSON.stringify(activation));
        else ctx.stdout(`\nActivation: '${String(activation.name)}' (${id})\n${((activation.logs ?? []) as string[]).join('\n')}`);
      }
      await ctx.cli.sleep(POLL_INTERVAL_MS, stop.signal);
    }
  } finally {
    if (timer) clearTimeout(timer);
    ctx.cli.interrupted.removeEventListener('abort', onInterrupt);
  }
  if (!ctx.json) ctx.stdout(`\nPolling stopped after ${Math.round((ctx.cli.now() - started) / 1000)} seconds`);
}

function seconds(flag: string, raw: string | undefined, scale: number): number {
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new CliUsageError(`--${flag} must be a number of ${scale === 1 ? 'seconds' : 'units'} ≥ 0; got '${raw}'.`);
  return value * scale;
}

function listQuery(name: string | undefined, o: ListOptions): Query {
  const whole = (flag: string, raw: string | undefined) => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new CliUsageError(`--${flag} must be a whole number; got '${raw}'.`);
    return value;
  };
  return {
    name,
    limit: whole('limit', o.limit) ?? 30,
    skip: whole('skip', o.skip) ?? 0,
    since: whole('since', o.since),
    upto: whole('upto', o.upto),
    docs: o.full === true ? true : undefined,
    count: o.count === true ? true : undefined,
    status: o.status,
    start: o.start,
    trigger: o.trigger,
    cause: o.cause,
    minDuration: whole('min-duration', o.minDuration),
    cursor: o.cursor,
  };
}

async function resolveId(ctx: CommandContext, id: string | undefined, last: boolean | undefined): Promise<string> {
  if (id !== undefined && last !== true) return id;
  if (last !== true) throw new CliUsageError('An activation ID is required (or --last).');
  const body = await ctx.client().call({ method: 'GET', path: activationsPath(ctx), query: { limit: 1, skip: 0 } }, 'obtain the newest activation');
  const newest = activationsOf(body)[0];
  if (newest === undefined) throw new CliFailure('There are no activations yet.');
  return String(newest.activationId);
}

/** A list answers an array; a paged answer with cursors may wrap it. */
function activationsOf(body: unknown): ActivationSummary[] {
  if (Array.isArray(body)) return asArray(body);
  const wrapped = (body as { activations?: unknown } | undefined)?.activations;
  return asArray(wrapped);
}

function activationsPath(ctx: CommandContext): string {
  return `namespaces/${encodeURIComponent(ctx.client().connection.namespace)}/activations`;
}
