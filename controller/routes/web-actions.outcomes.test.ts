import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import type { ActionDoc } from '../../common/entities/action';
import type { Identity } from '../../common/entities/identity';
import { silentLogger } from '../../common/logging/logger';
import type { ActionService } from '../actions/action-service';
import { errorHandler } from '../http/error-handler';
import type { RequestState } from '../http/request-context';
import { transactionId } from '../http/transaction-id';
import type { IdentityService } from '../identity/identity-service';
import type { Dispatcher, InvokeOutcome, InvokeRequest } from '../invocation/dispatcher';
import type { PackageResolver } from '../packages/package-resolver';
import { webActionRoutes } from './web-actions.routes';

// The web route against stand-ins: what it hands the dispatcher (the owner's identity, blocking,
// the web arguments) and how it answers each outcome, including the blocking wait running out,
// which a real platform only shows after 60 s.

const OWNER: Identity = { subject: 'owner-subject', namespace: 'owner', uuid: 'u', authKey: '' };
const ID = 'a'.repeat(32);

function action(annotations: ActionDoc['annotations']): ActionDoc {
  return { entityType: 'action', namespace: 'owner', name: 'hook', version: '0.0.1', publish: false, exec: { kind: 'nodejs:20', code: 'x', binary: false }, parameters: [], annotations, limits: { timeout: 1000, memory: 128, logs: 10, concurrency: 1 }, updated: 0 } as unknown as ActionDoc;
}

let server: Server;
let url: string;
let outcome: InvokeOutcome;
const sent: { request: InvokeRequest; blocking: boolean; maxWaitMs?: number }[] = [];

beforeAll(async () => {
  const app = new Koa<RequestState>();
  app.silent = true;
  app.use(transactionId(silentLogger));
  app.use(errorHandler());
  app.use(
    webActionRoutes({
      identities: { ownerOf: async (ns: string) => (ns === 'owner' ? OWNER : undefined), authenticate: async () => Promise.reject(new Error('not used')) } as unknown as IdentityService,
      actions: { get: async (_ns: string, name: string) => ({ revision: '1', doc: action(name === 'hook' ? [{ key: 'web-export', value: true }] : []) }) } as unknown as ActionService,
      packageResolver: {} as PackageResolver,
      dispatcher: {
        invoke: async (request: InvokeRequest, blocking: boolean, maxWaitMs?: number) => {
          sent.push({ request, blocking, ...(maxWaitMs !== undefined ? { maxWaitMs } : {}) });
          return outcome;
        },
      } as unknown as Dispatcher,
    }),
  );
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/web`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  sent.length = 0;
});

describe('web action outcomes', () => {
  it("dispatches blocking, as the owner, with the web arguments", async () => {
    outcome = { kind: 'completed', activationId: ID, record: { activationId: ID, response: { statusCode: 0, result: { tail: { ok: 1 } } } } as never };
    const res = await fetch(`${url}/owner/default/hook.json/tail?q=1`, { headers: { 'X-Custom': 'v' } });
    expect([res.status, await res.text(), res.headers.get('x-openwhisk-activation-id')]).toEqual([200, '{"ok":1}', ID]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ blocking: true, maxWaitMs: 60_000, request: { identity: OWNER, actionNamespace: 'owner', actionName: 'hook' } });
    expect(sent[0]!.request.payload).toMatchObject({ q: '1', __ow_method: 'get', __ow_path: '/tail', __ow_headers: { 'x-custom': 'v' } });
  });

  it('answers 202 "Response not yet ready." with the activation id when the blocking wait runs out', async () => {
    outcome = { kind: 'accepted', activationId: ID };
    const res = await fetch(`${url}/owner/default/hook.http`);
    expect(res.status).toBe(202);
    expect(res.headers.get('x-openwhisk-activation-id')).toBe(ID);
    expect(await res.json()).toEqual({ error: 'Response not yet ready.', code: res.headers.get('x-request-id') });
  });

  it('answers a failed activation 400 with the activation id, and dispatches nothing for what it refuses', async () => {
    outcome = { kind: 'completed', activationId: ID, record: { activationId: ID, response: { statusCode: 3, result: { error: 'internal detail' } } } as never };
    const failed = await fetch(`${url}/owner/default/hook.json`);
    expect([failed.status, failed.headers.get('x-openwhisk-activation-id')]).toEqual([400, ID]);
    expect(await failed.json()).toEqual({ error: 'There was an error processing your request.', code: expect.any(String) });
    sent.length = 0;
    for (const path of ['owner/default/unexported.json', 'nobody/default/hook.json', 'owner/default/hook.json?__ow_path=x']) {
      const res = await fetch(`${url}/${path}`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(sent).toEqual([]);
  });
});
