import type { Command } from 'commander';
import { actionPath, asArray, listQuery, withListOptions } from './action-commands';
import type { CliEnvironment, CommandContext } from './cli-context';
import { CliHttpError, CliUsageError } from './cli-error';
import { annotationsOf, handle, leaf, paramsOf, withAnnotationOptions, withParamOptions, type PairOptions } from './command-kit';
import { entityList, prettyJson } from './output';
import { collectPair, mergeParams, paramsObject, type KeyValue } from './params';
import { entityPath, fullyQualified, parseQualifiedName, type QualifiedName } from './qualified-name';
import type { WhiskAnswer } from './whisk-client';

// `wisp trigger create|update|get|list|delete|fire`. A trigger with --feed is wired to its
// event source as wsk does it: the trigger is stored with a `feed` annotation, then the feed
// action is invoked (blocking) with lifecycleEvent CREATE, the trigger's name and the caller's
// key; if the feed refuses, the trigger is deleted again. Deleting it tells the feed DELETE.

interface TriggerOptions extends PairOptions {
  readonly feed?: string;
  readonly feedParam?: KeyValue[];
}

type FeedEvent = 'CREATE' | 'DELETE';

export function registerTriggerCommands(program: Command, cli: CliEnvironment): void {
  const trigger = program.command('trigger').description('work with triggers');
  for (const verb of ['create', 'update'] as const) {
    const command = withAnnotationOptions(withParamOptions(leaf(trigger, `${verb} <name>`, `${verb} a trigger`)));
    if (verb === 'create') {
      command
        .option('-f, --feed <action>', 'the feed action that fires this trigger (its parameters: -p or --feed-param)')
        .option('--feed-param <key value>', 'a parameter for the feed action only; repeatable', collectPair);
    }
    command.action(handle<TriggerOptions>(cli, (ctx, [name], options) => saveTrigger(ctx, verb, name!, options)));
  }

  withParamOptions(leaf(trigger, 'fire <name>', 'fire a trigger')).action(
    handle<PairOptions>(cli, async (ctx, [name], options) => {
      const qualified = ctx.name(name!);
      const body = await ctx.client().call({ method: 'POST', path: triggerPath(qualified), body: paramsObject(paramsOf(options)) }, `fire trigger '${qualified.entity}'`);
      const id = (body as { activationId?: string } | undefined)?.activationId;
      ctx.report(body ?? {}, () => `ok: triggered /${qualified.namespace}/${qualified.entity}${id !== undefined ? ` with id ${id}` : ''}`);
    }),
  );

  leaf(trigger, 'get <name>', 'get a trigger').action(
    handle(cli, async (ctx, [name]) => {
      const qualified = ctx.name(name!);
      const body = await ctx.client().call({ method: 'GET', path: triggerPath(qualified) }, `get trigger '${qualified.entity}'`);
      ctx.report(body, () => `ok: got trigger ${qualified.entity}\n${prettyJson(body)}`);
    }),
  );

  leaf(trigger, 'delete <name>', 'delete a trigger (and tell its feed)').action(
    handle(cli, async (ctx, [name]) => {
      const qualified = ctx.name(name!);
      const existing = await ctx.client().call({ method: 'GET', path: triggerPath(qualified) }, `delete trigger '${qualified.entity}'`);
      const feed = feedOf(existing);
      if (feed !== undefined) {
        const answer = await invokeFeed(ctx, feed, 'DELETE', qualified, []);
        // The trigger goes regardless: a feed that is gone or broken must not keep it forever.
        if (!feedSucceeded(answer)) ctx.stderr(`warning: the feed '${feed}' did not confirm DELETE: ${feedError(answer)}`);
      }
      const body = await ctx.client().call({ method: 'DELETE', path: triggerPath(qualified) }, `delete trigger '${qualified.entity}'`);
      ctx.report(body, () => `ok: deleted trigger ${qualified.entity}`);
    }),
  );

  withListOptions(leaf(trigger, 'list [namespace]', 'list the triggers of a namespace')).action(
    handle<{ skip?: string; limit?: string }>(cli, async (ctx, [namespace], options) => {
      const ns = namespace?.replace(/^\//, '') ?? ctx.client().connection.namespace;
      const body = await ctx.client().call({ method: 'GET', path: `namespaces/${encodeURIComponent(ns)}/triggers`, query: listQuery(options) }, 'obtain the list of triggers');
      ctx.report(body, () => entityList('triggers', asArray(body).map((t) => [`/${String(t.namespace)}/${String(t.name)}`, t.publish === true ? 'shared' : 'private'])));
    }),
  );
}

async function saveTrigger(ctx: CommandContext, verb: 'create' | 'update', name: string, options: TriggerOptions): Promise<void> {
  const qualified = ctx.name(name);
  const params = paramsOf(options);
  if (options.feedParam !== undefined && options.feed === undefined) throw new CliUsageError('--feed-param needs --feed.');
  const feed = options.feed !== undefined ? fullyQualified(parseQualifiedName(options.feed, qualified.namespace)) : undefined;
  let annotations = annotationsOf(options);
  if (feed !== undefined) annotations = mergeParams(annotations, [{ key: 'feed', value: feed }]);
  // With a feed, wsk hands the parameters to the feed action and stores none on the trigger.
  const body = { name: qualified.entity, ...(feed === undefined && (params.length > 0 || verb === 'create') ? { parameters: params } : {}), ...(annotations.length > 0 || verb === 'create' ? { annotations } : {}) };
  const saved = await ctx.client().call({ method: 'PUT', path: triggerPath(qualified), query: { overwrite: verb === 'update' }, body }, `${verb} trigger '${qualified.entity}'`);
  if (feed !== undefined) {
    const answer = await invokeFeed(ctx, feed, 'CREATE', qualified, mergeParams(params, options.feedParam));
    if (!feedSucceeded(answer)) {
      await ctx.client().send({ method: 'DELETE', path: triggerPath(qualified) });
      // The feed's own words (its result's error), not the activation record it was wrapped in.
      const status = answer.status >= 400 ? answer.status : 502;
      const code = (answer.body as { code?: unknown } | undefined)?.code ?? answer.requestId;
      throw new CliHttpError(`Unable to ${verb} trigger '${qualified.entity}': the feed '${feed}' failed: ${feedError(answer)}${code !== undefined ? ` (code ${String(code)})` : ''}`, status, code === undefined ? undefined : String(code), answer.body);
    }
    const activationId = (answer.body as { activationId?: string } | undefined)?.activationId;
    if (!ctx.json) ctx.stdout(`ok: invoked ${feed} with id ${activationId ?? ''}`);
  }
  ctx.report(saved, () => `ok: ${verb}d trigger ${qualified.entity}`);
}

async function invokeFeed(ctx: CommandContext, feed: string, event: FeedEvent, trigger: QualifiedName, params: readonly KeyValue[]): Promise<WhiskAnswer> {
  const feedName = parseQualifiedName(feed, trigger.namespace);
  const body = { ...paramsObject(params), lifecycleEvent: event, triggerName: fullyQualified(trigger), authKey: ctx.client().connection.auth };
  return ctx.client().send({ method: 'POST', path: actionPath(feedName), query: { blocking: true }, body });
}

function feedSucceeded(answer: WhiskAnswer): boolean {
  if (answer.status !== 200) return false;
  const response = (answer.body as { response?: { success?: unknown } } | undefined)?.response;
  return response?.success !== false;
}

function feedError(answer: WhiskAnswer): string {
  const body = answer.body as { error?: unknown; response?: { result?: { error?: unknown } } } | undefined;
  const error = body?.response?.result?.error ?? body?.error;
  if (typeof error === 'string') return error;
  if (error !== undefined) return JSON.stringify(error);
  return answer.status === 202 ? 'the feed action did not answer in time' : `HTTP status code ${answer.status}`;
}

function feedOf(trigger: unknown): string | undefined {
  const annotations = (trigger as { annotations?: unknown } | undefined)?.annotations;
  if (!Array.isArray(annotations)) return undefined;
  const feed = (annotations as KeyValue[]).find((a) => a.key === 'feed')?.value;
  return typeof feed === 'string' ? feed : undefined;
}

function triggerPath(name: QualifiedName): string {
  return `namespaces/${encodeURIComponent(name.namespace)}/triggers/${entityPath(name.entity)}`;
}
