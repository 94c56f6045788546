import type { Command } from 'commander';
import type { CliEnvironment } from './cli-context';
import { handle, leaf } from './command-kit';
import { prettyJson, table } from './output';

// `wisp api create|get|list|delete`, as wsk sends them: the `/whisk.system/apimgmt` web actions
// with the caller's key (ADR 0025). wsk's forms: `api create [BASE_PATH] API_PATH API_VERB ACTION`,
// `api get BASE_PATH|API_NAME`, `api list [BASE_PATH|API_NAME [API_PATH [API_VERB]]]`,
// `api delete BASE_PATH|API_NAME [API_PATH [API_VERB]]`.

const APIMGMT = 'web/whisk.system/apimgmt';

interface ApiValue {
  readonly gwApiUrl?: string;
  readonly apidoc?: { readonly basePath?: string; readonly info?: { readonly title?: string }; readonly paths?: Record<string, Record<string, { 'x-openwhisk'?: { namespace?: string; package?: string; action?: string } }>> };
}

export function registerApiCommands(program: Command, cli: CliEnvironment): void {
  const api = program.command('api').description('work with APIs');
  leaf(api, 'create <first> <second> <third> [fourth]', 'create an API route: [BASE_PATH] API_PATH API_VERB ACTION')
    .option('-n, --apiname <name>', "the API's friendly name")
    .option('--response-type <type>', 'the web action response type: json (default), http, html, svg, text')
    .action(
      handle<{ apiname?: string; responseType?: string }>(cli, async (ctx, args, options) => {
        const [basePath, relPath, verb, action] = args.length === 4 ? (args as [string, string, string, string]) : ['/', ...(args as [string, string, string])];
        const qualified = ctx.name(action);
        const name = qualified.entity;
        const apidoc = {
          namespace: '_',
          gatewayBasePath: basePath,
          gatewayPath: relPath,
          gatewayMethod: verb.toUpperCase(),
          id: `API:_:${basePath}`,
          ...(options.apiname !== undefined ? { apiName: options.apiname } : {}),
          action: { name, namespace: qualified.namespace, backendMethod: 'GET', backendUrl: '', authkey: '' },
        };
        const created = (await ctx.client().call({ method: 'POST', path: `${APIMGMT}/createApi`, query: { responsetype: options.responseType }, body: { apidoc } }, 'create API')) as ApiValue;
        ctx.report(created, () => `ok: created API ${joinPath(basePath, relPath)} ${verb.toUpperCase()} for action /${qualified.namespace}/${name}\n${created.gwApiUrl ?? ''}${relPath === '/' ? '' : relPath}`);
      }),
    );
  leaf(api, 'get <basePathOrName>', 'get the OpenAPI document of an API').action(
    handle(cli, async (ctx, [basePath]) => {
      const answer = (await ctx.client().call({ method: 'GET', path: `${APIMGMT}/getApi`, query: { basepath: basePath } }, `get API '${basePath}'`)) as { apis?: { value: ApiValue }[] };
      const apidoc = answer.apis?.[0]?.value.apidoc;
      ctx.report(apidoc ?? {}, () => (apidoc ? prettyJson(apidoc) : `ok: API '${basePath!}' does not exist`));
    }),
  );
  leaf(api, 'list [basePathOrName] [apiPath] [apiVerb]', 'list APIs, or the routes of one').action(
    handle(cli, async (ctx, [basePath, relPath, verb]) => {
      const answer = (await ctx.client().call({ method: 'GET', path: `${APIMGMT}/getApi`, query: { basepath: basePath, relpath: relPath, operation: verb?.toUpperCase() } }, 'obtain the list of APIs')) as { apis?: { value: ApiValue }[] };
      const rows = (answer.apis ?? []).flatMap(({ value }) =>
        Object.entries(value.apidoc?.paths ?? {}).flatMap(([path, verbs]) =>
          Object.entries(verbs).map(([v, op]) => {
            const target = op['x-openwhisk'];
            const action = `/${[target?.namespace, target?.package, target?.action].filter((part) => part !== undefined && part !== '').join('/')}`;
            return [action, v.toUpperCase(), value.apidoc?.info?.title ?? '', `${value.gwApiUrl ?? ''}${path === '/' ? '' : path}`];
          }),
        ),
      );
      ctx.report(answer, () => `ok: APIs\n${table([['Action', 'Verb', 'API Name', 'URL'], ...rows], [40, 7, 20])}\n`);
    }),
  );
  leaf(api, 'delete <basePathOrName> [apiPath] [apiVerb]', 'delete an API, or its routes at API_PATH (and API_VERB)').action(
    handle(cli, async (ctx, [basePath, relPath, verb]) => {
      const answer = await ctx.client().call({ method: 'DELETE', path: `${APIMGMT}/deleteApi`, query: { basepath: basePath, relpath: relPath, operation: verb?.toUpperCase(), force: true } }, `delete API '${basePath!}'`);
      ctx.report(answer ?? {}, () => `ok: deleted ${[relPath, verb?.toUpperCase()].filter(Boolean).length ? `${relPath ?? ''} ${verb?.toUpperCase() ?? ''}`.trim() + ' from ' : 'API '}${basePath!}`);
    }),
  );
}

function joinPath(basePath: string, relPath: string): string {
  return `${basePath.replace(/\/+$/, '')}${relPath}` || '/';
}
