import type { Command } from 'commander';
import { buildExec, buildLimits, webAnnotations, type ExecOptions, type LimitOptions } from './action-exec';
import type { CliEnvironment, CommandContext } from './cli-context';
import { CliExit, CliUsageError } from './cli-error';
import { annotationsOf, handle, leaf, paramsOf, withAnnotationOptions, withParamOptions, type PairOptions } from './command-kit';
import { EXIT_TIMED_OUT, exitCodeForStatus } from './exit-codes';
import { entityList, jsonDocument, prettyJson } from './output';
import { paramsObject, type KeyValue } from './params';
import { entityPath, type QualifiedName } from './qualified-name';
import { httpError } from './whisk-client';

// `wisp action create|update|invoke|get|list|delete`, with wsk's flags and wsk's answers.

type SaveOptions = PairOptions & ExecOptions & LimitOptions & { readonly web?: string };
interface InvokeOptions extends PairOptions {
  readonly blocking?: boolean;
  readonly result?: boolean;
}
interface ListOptions {
  readonly skip?: string;
  readonly limit?: string;
}

export function registerActionCommands(program: Command, cli: CliEnvironment): void {
  const action = program.command('action').description('work with actions');
  for (const verb of ['create', 'update'] as const) {
    const command = leaf(action, `${verb} <name> [artifact]`, `${verb} an action from a source file, a .zip, a Docker image or a sequence`)
      .option('--kind <kind>', 'the runtime, e.g. nodejs:20, python:3.11 (default: from the file extension)')
      .option('--main <name>', 'the function to call (default: main)')
      .option('--docker <image>', 'a Docker image that serves /init and /run (kind blackbox)')
      .option('--native', 'the artifact is an executable for openwhisk/dockerskeleton')
      .option('--sequence', 'the artifact is a comma-separated list of actions')
      .option('--web <mode>', 'make it a web action: true, false or raw')
      .option('-t, --timeout <ms>', 'the time limit in milliseconds')
      .option('-m, --memory <mb>', 'the memory limit in megabytes')
      .option('-l, --logsize <mb>', 'the log size limit in megabytes');
    withAnnotationOptions(withParamOptions(command)).action(handle<SaveOptions>(cli, (ctx, args, options) => saveAction(ctx, verb, args[0]!, args[1], options)));
  }

  withParamOptions(leaf(action, 'invoke <name>', 'invoke an action'))
    .option('-b, --blocking', 'wait for the activation and print it')
    .option('-r, --result', 'wait and print only the result (implies --blocking)')
    .action(handle<InvokeOptions>(cli, (ctx, args, options) => invokeAction(ctx, args[0]!, options)));

  leaf(action, 'get <name>', 'get an action').action(
    handle(cli, async (ctx, [name]) => {
      const qualified = ctx.name(name!);
      const body = await ctx.client().call({ method: 'GET', path: actionPath(qualified), query: { code: false } }, `get action '${qualified.entity}'`);
      ctx.report(body, () => `ok: got action ${qualified.entity}\n${prettyJson(body)}`);
    }),
  );

  leaf(action, 'delete <name>', 'delete an action').action(
    handle(cli, async (ctx, [name]) => {
      const qualified = ctx.name(name!);
      const body = await ctx.client().call({ method: 'DELETE', path: actionPath(qualified) }, `delete action '${qualified.entity}'`);
      ctx.report(body, () => `ok: deleted action ${qualified.entity}`);
    }),
  );

  withListOptions(leaf(action, 'list [namespaceOrPackage]', 'list the actions of a namespace or a package')).action(
    handle<ListOptions>(cli, async (ctx, [scope], options) => {
      const { namespace, pkg } = listScope(ctx, scope);
      const path = `namespaces/${encodeURIComponent(namespace)}/actions${pkg !== undefined ? `/${encodeURIComponent(pkg)}/` : ''}`;
      const body = await ctx.client().call({ method: 'GET', path, query: listQuery(options) }, 'obtain the list of actions');
      const rows = asArray(body).map((a) => [`/${String(a.namespace)}/${String(a.name)}`, a.publish === true ? 'shared' : 'private', actionKind(a)]);
      ctx.report(body, () => entityList('actions', rows));
    }),
  );
}

async function saveAction(ctx: CommandContext, verb: 'create' | 'update', name: string, artifact: string | undefined, options: SaveOptions): Promise<void> {
  const qualified = ctx.name(name);
  const exec = buildExec(artifact, options, ctx.client().connection.namespace);
  if (verb === 'create' && exec === undefined) throw new CliUsageError('An action name and code artifact are required.');
  const parameters = paramsOf(options);
  let annotations: KeyValue[] = annotationsOf(options);
  if (options.web !== undefined) {
    // As wsk does: without -a, keep the annotations the action already has and change only the web ones.
    if (annotations.length === 0 && verb === 'update') annotations = await existingAnnotations(ctx, qualified);
    annotations = webAnnotations(options.web, annotations);
  }
  const limits = buildLimits(options);
  const body = {
    namespace: qualified.namespace,
    name: qualified.entity.split('/').pop(),
    ...(exec !== undefined ? { exec } : {}),
    ...(parameters.length > 0 || verb === 'create' ? { parameters } : {}),
    ...(annotations.length > 0 || verb === 'create' ? { annotations } : {}),
    ...(limits !== undefined ? { limits } : {}),
  };
  const answer = await ctx.client().call({ method: 'PUT', path: actionPath(qualified), query: { overwrite: verb === 'update' }, body }, `${verb} action '${qualified.entity}'`);
  ctx.report(answer, () => `ok: ${verb}d action ${qualified.entity}`);
}

async function existingAnnotations(ctx: CommandContext, qualified: QualifiedName): Promise<KeyValue[]> {
  const answer = await ctx.client().send({ method: 'GET', path: actionPath(qualified), query: { code: false } });
  if (answer.status === 404) return [];
  if (answer.status >= 400) throw httpError(answer, `get action '${qualified.entity}'`);
  const annotations = (answer.body as { annotations?: unknown }).annotations;
  return Array.isArray(annotations) ? (annotations as KeyValue[]) : [];
}

async function invokeAction(ctx: CommandContext, name: string, options: InvokeOptions): Promise<void> {
  const qualified = ctx.name(name);
  const result = options.result === true;
  const blocking = options.blocking === true || result;
  const answer = await ctx.client().send({ method: 'POST', path: actionPath(qualified), query: { blocking, result }, body: paramsObject(paramsOf(options)) });
  const shown = `/${qualified.namespace}/${qualified.entity}`;
  const activationId = (answer.body as { activationId?: string } | undefined)?.activationId;
  if (answer.status === 202 && blocking) {
    // The platform stopped waiting; the activation goes on. wsk exits 202 here.
    ctx.report(answer.body, () => `ok: invoked ${shown}, but the request has not yet finished, with id ${activationId ?? ''}`);
    throw new CliExit(EXIT_TIMED_OUT);
  }
  const isActivationAnswer = answer.status === 502 || (answer.status >= 500 && isActivation(answer.body));
  if (answer.status >= 400 && !(blocking && isActivationAnswer)) throw httpError(answer, `invoke action '${qualified.entity}'`);
  const human = () => {
    if (result) return prettyJson(answer.body);
    return blocking ? `ok: invoked ${shown} with id ${activationId ?? ''}\n${prettyJson(answer.body)}` : `ok: invoked ${shown} with id ${activationId ?? ''}`;
  };
  if (answer.status < 400) return ctx.report(answer.body, human);
  // An activation that failed: wsk prints it on stderr and exits with the status minus 256.
  if (ctx.json) ctx.stdout(jsonDocument(answer.body));
  else ctx.stderr(human());
  throw new CliExit(exitCodeForStatus(answer.status));
}

function isActivation(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'activationId' in body && 'response' in body;
}

export function actionPath(name: QualifiedName): string {
  return `namespaces/${encodeURIComponent(name.namespace)}/actions/${entityPath(name.entity)}`;
}

export function withListOptions(command: Command): Command {
  return command.option('-s, --skip <n>', 'skip this many entities from the head of the collection').option('-l, --limit <n>', 'only return this many entities (default 30)');
}

export function listQuery(options: ListOptions): Record<string, number> {
  const number = (flag: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new CliUsageError(`--${flag} must be a whole number; got '${raw}'.`);
    return value;
  };
  return { limit: number('limit', options.limit, 30), skip: number('skip', options.skip, 0) };
}

/** `list [NAMESPACE | PACKAGE]`: `/ns` names a namespace, a bare name a package of the default one. */
function listScope(ctx: CommandContext, scope: string | undefined): { namespace: string; pkg?: string } {
  const namespace = ctx.client().connection.namespace;
  if (scope === undefined) return { namespace };
  if (scope.startsWith('/')) {
    const [ns, pkg] = scope.slice(1).split('/');
    return pkg !== undefined && pkg !== '' ? { namespace: ns!, pkg } : { namespace: ns! };
  }
  return { namespace, pkg: scope };
}

export function asArray(body: unknown): Array<Record<string, unknown>> {
  return Array.isArray(body) ? (body as Array<Record<string, unknown>>) : [];
}

function actionKind(action: Record<string, unknown>): string {
  const annotations = Array.isArray(action.annotations) ? (action.annotations as KeyValue[]) : [];
  const annotated = annotations.find((a) => a.key === 'exec')?.value;
  if (typeof annotated === 'string') return annotated;
  const exec = action.exec as { kind?: unknown } | undefined;
  return typeof exec?.kind === 'string' ? exec.kind : '';
}
