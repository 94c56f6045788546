import type { Command } from 'commander';
import { asArray, listQuery, withListOptions } from './action-commands';
import type { CliEnvironment } from './cli-context';
import { CliUsageError } from './cli-error';
import { annotationsOf, handle, leaf, paramsOf, withAnnotationOptions, withParamOptions, type PairOptions } from './command-kit';
import { entityList, prettyJson } from './output';
import { entityPath, parseQualifiedName, type QualifiedName } from './qualified-name';

// `wisp package create|update|bind|get|list|delete`: a binding is a package whose `binding`
// names the package it stands for, with its own parameters.

interface PackageOptions extends PairOptions {
  readonly shared?: string;
}

export function registerPackageCommands(program: Command, cli: CliEnvironment): void {
  const pkg = program.command('package').description('work with packages');
  for (const verb of ['create', 'update'] as const) {
    withAnnotationOptions(withParamOptions(leaf(pkg, `${verb} <name>`, `${verb} a package`)))
      .option('--shared <yes|no>', 'share the package with every namespace')
      .action(
        handle<PackageOptions>(cli, async (ctx, [name], options) => {
          const qualified = ctx.name(name!);
          const parameters = paramsOf(options);
          const annotations = annotationsOf(options);
          const body = {
            name: qualified.entity,
            ...(options.shared !== undefined ? { publish: sharedFlag(options.shared) } : {}),
            ...(parameters.length > 0 || verb === 'create' ? { parameters } : {}),
            ...(annotations.length > 0 || verb === 'create' ? { annotations } : {}),
          };
          const saved = await ctx.client().call({ method: 'PUT', path: packagePath(qualified), query: { overwrite: verb === 'update' }, body }, `${verb} package '${qualified.entity}'`);
          ctx.report(saved, () => `ok: ${verb}d package ${qualified.entity}`);
        }),
      );
  }
  withAnnotationOptions(withParamOptions(leaf(pkg, 'bind <package> <binding>', 'bind a package to a new name with its own parameters'))).action(
    handle<PairOptions>(cli, async (ctx, [source, binding], options) => {
      const bound = ctx.name(binding!);
      const target = parseQualifiedName(source!, bound.namespace);
      const body = { name: bound.entity, binding: { namespace: target.namespace, name: target.entity }, parameters: paramsOf(options), annotations: annotationsOf(options) };
      const saved = await ctx.client().call({ method: 'PUT', path: packagePath(bound), query: { overwrite: false }, body }, `bind package '${bound.entity}'`);
      ctx.report(saved, () => `ok: created binding ${bound.entity}`);
    }),
  );
  leaf(pkg, 'get <name>', 'get a package').action(
    handle(cli, async (ctx, [name]) => {
      const qualified = ctx.name(name!);
      const body = await ctx.client().call({ method: 'GET', path: packagePath(qualified) }, `get package '${qualified.entity}'`);
      ctx.report(body, () => `ok: got package ${qualified.entity}\n${prettyJson(body)}`);
    }),
  );
  leaf(pkg, 'delete <name>', 'delete a package').action(
    handle(cli, async (ctx, [name]) => {
      const qualified = ctx.name(name!);
      const body = await ctx.client().call({ method: 'DELETE', path: packagePath(qualified) }, `delete package '${qualified.entity}'`);
      ctx.report(body, () => `ok: deleted package ${qualified.entity}`);
    }),
  );
  withListOptions(leaf(pkg, 'list [namespace]', 'list the packages of a namespace')).action(
    handle<{ skip?: string; limit?: string }>(cli, async (ctx, [namespace], options) => {
      const ns = namespace?.replace(/^\//, '') ?? ctx.client().connection.namespace;
      const body = await ctx.client().call({ method: 'GET', path: `namespaces/${encodeURIComponent(ns)}/packages`, query: listQuery(options) }, 'obtain the list of packages');
      ctx.report(body, () => entityList('packages', asArray(body).map((p) => [`/${String(p.namespace)}/${String(p.name)}`, p.publish === true ? 'shared' : 'private'])));
    }),
  );
}

function sharedFlag(value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw new CliUsageError(`Cannot use value '${value}' for shared; use 'yes' or 'no'.`);
}

function packagePath(name: QualifiedName): string {
  if (name.entity.includes('/')) throw new CliUsageError(`A package name cannot hold a '/': '${name.entity}'.`);
  return `namespaces/${encodeURIComponent(name.namespace)}/packages/${entityPath(name.entity)}`;
}
