import type { Command } from 'commander';
import { asArray, listQuery, withListOptions } from './action-commands';
import type { CliEnvironment, CommandContext } from './cli-context';
import { handle, leaf } from './command-kit';
import { entityList, prettyJson } from './output';
import { entityPath, fullyQualified, parseQualifiedName, type QualifiedName } from './qualified-name';

// `wisp rule create|update|enable|disable|get|list|delete`, as wsk sends them: the trigger and
// the action fully qualified in the body, enable and disable as a POST of the new status.

export function registerRuleCommands(program: Command, cli: CliEnvironment): void {
  const rule = program.command('rule').description('work with rules');
  for (const verb of ['create', 'update'] as const) {
    leaf(rule, `${verb} <name> <trigger> <action>`, `${verb} a rule`).action(
      handle(cli, async (ctx, [name, trigger, action]) => {
        const qualified = ctx.name(name!);
        const body = {
          name: qualified.entity,
          status: '',
          trigger: fullyQualified(parseQualifiedName(trigger!, qualified.namespace)),
          action: fullyQualified(parseQualifiedName(action!, qualified.namespace)),
        };
        const saved = await ctx.client().call({ method: 'PUT', path: rulePath(qualified), query: { overwrite: verb === 'update' }, body }, `${verb} rule '${qualified.entity}'`);
        ctx.report(saved, () => `ok: ${verb}d rule ${qualified.entity}`);
      }),
    );
  }
  for (const [verb, status] of [['enable', 'active'], ['disable', 'inactive']] as const) {
    leaf(rule, `${verb} <name>`, `${verb} a rule`).action(
      handle(cli, async (ctx, [name]) => {
        const qualified = ctx.name(name!);
        const body = await setStatus(ctx, qualified, status, verb);
        ctx.report(body ?? {}, () => `ok: ${verb}d rule ${qualified.entity}`);
      }),
    );
  }
  leaf(rule, 'get <name>', 'get a rule').action(
    handle(cli, async (ctx, [name]) => {
      const qualified = ctx.name(name!);
      const body = await ctx.client().call({ method: 'GET', path: rulePath(qualified) }, `get rule '${qualified.entity}'`);
      ctx.report(body, () => `ok: got rule ${qualified.entity}\n${prettyJson(body)}`);
    }),
  );
  leaf(rule, 'delete <name>', 'delete a rule')
    .option('--disable', 'disable the rule first')
    .action(
      handle<{ disable?: boolean }>(cli, async (ctx, [name], options) => {
        const qualified = ctx.name(name!);
        if (options.disable === true) await setStatus(ctx, qualified, 'inactive', 'delete');
        const body = await ctx.client().call({ method: 'DELETE', path: rulePath(qualified) }, `delete rule '${qualified.entity}'`);
        ctx.report(body, () => `ok: deleted rule ${qualified.entity}`);
      }),
    );
  withListOptions(leaf(rule, 'list [namespace]', 'list the rules of a namespace')).action(
    handle<{ skip?: string; limit?: string }>(cli, async (ctx, [namespace], options) => {
      const ns = namespace?.replace(/^\//, '') ?? ctx.client().connection.namespace;
      const rules = asArray(await ctx.client().call({ method: 'GET', path: `namespaces/${encodeURIComponent(ns)}/rules`, query: listQuery(options) }, 'obtain the list of rules'));
      // A list may leave the status out (OpenWhisk's does); wsk then gets each rule for it.
      const withStatus = await Promise.all(
        rules.map(async (r) => (typeof r.status === 'string' ? r : ((await ctx.client().call({ method: 'GET', path: rulePath({ namespace: ns, entity: String(r.name) }) }, `get rule '${String(r.name)}'`)) as Record<string, unknown>))),
      );
      ctx.report(withStatus, () => entityList('rules', withStatus.map((r) => [`/${String(r.namespace)}/${String(r.name)}`, r.publish === true ? 'shared' : 'private', String(r.status ?? '')]), [70, 20]));
    }),
  );
}

async function setStatus(ctx: CommandContext, name: QualifiedName, status: 'active' | 'inactive', verb: string): Promise<unknown> {
  return ctx.client().call({ method: 'POST', path: rulePath(name), body: { status } }, `${verb} rule '${name.entity}'`);
}

function rulePath(name: QualifiedName): string {
  return `namespaces/${encodeURIComponent(name.namespace)}/rules/${entityPath(name.entity)}`;
}
