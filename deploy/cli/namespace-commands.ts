import type { Command } from 'commander';
import { asArray } from './action-commands';
import type { CliEnvironment } from './cli-context';
import { handle, leaf } from './command-kit';
import { entityList } from './output';

// `wisp namespace list|get`: the namespaces the key may use, and every entity of one.

const COLLECTIONS = ['packages', 'actions', 'triggers', 'rules'] as const;

export function registerNamespaceCommands(program: Command, cli: CliEnvironment): void {
  const namespace = program.command('namespace').description('work with namespaces');
  leaf(namespace, 'list', 'list the namespaces of the key').action(
    handle(cli, async (ctx) => {
      const body = await ctx.client().call({ method: 'GET', path: 'namespaces' }, 'obtain the list of available namespaces');
      ctx.report(body, () => `namespaces\n${(Array.isArray(body) ? body : []).map(String).join('\n')}`);
    }),
  );
  leaf(namespace, 'get [namespace]', 'list every entity of a namespace').action(
    handle(cli, async (ctx, [name]) => {
      const ns = name?.replace(/^\//, '') ?? ctx.client().connection.namespace;
      const lists = await Promise.all(
        COLLECTIONS.map(async (collection) => asArray(await ctx.client().call({ method: 'GET', path: `namespaces/${encodeURIComponent(ns)}/${collection}`, query: { limit: 0, skip: 0 } }, `obtain the list of ${collection}`))),
      );
      const entities = Object.fromEntries(COLLECTIONS.map((c, i) => [c, lists[i]!]));
      ctx.report(entities, () => {
        const shown = ns === '_' ? 'default' : ns;
        const sections = COLLECTIONS.map((c, i) => entityList(c, lists[i]!.map((e) => [`/${String(e.namespace)}/${String(e.name)}`, e.publish === true ? 'shared' : 'private'])));
        return `Entities in namespace: ${shown}\n${sections.join('')}`;
      });
    }),
  );
}
