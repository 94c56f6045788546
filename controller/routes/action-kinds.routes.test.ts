import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { openEmbeddedStores, type EmbeddedStores } from '../../common/adapters/embedded/embedded-stores';
import { createMemoryMessageBus } from '../../common/adapters/memory/memory-message-bus';
import { createMemorySignalBus } from '../../common/adapters/memory/memory-signal-bus';
import { GUEST_AUTH } from '../../common/entities/credentials';
import { silentLogger } from '../../common/logging/logger';
import { createNaming } from '../../common/naming';
import type { MessageBus } from '../../common/spi/message-bus';
import type { SignalBus } from '../../common/spi/signal-bus';
import { loadControllerConfig } from '../config';
import { startController, type RunningController } from '../controller';

// PUT of python, blackbox and sequence actions over HTTP on the standalone adapters (no
// invoker): hostile exec bodies never get a 5xx, every refusal is {error, code}, and a refused
// write leaves the stored action as it was.

const authHeader = `Basic ${Buffer.from(GUEST_AUTH).toString('base64')}`;
let dir: string;
let stores: EmbeddedStores;
let bus: MessageBus;
let signals: SignalBus;
let controller: RunningController;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wisp-kinds-routes-'));
  stores = await openEmbeddedStores({ dataDir: dir, logger: silentLogger });
  bus = createMemoryMessageBus({ logger: silentLogger });
  signals = createMemorySignalBus({ logger: silentLogger });
  const config = loadControllerConfig({ WISP_CONTROLLER_PORT: '0', WISP_PREFIX: 'unit-kinds' });
  controller = await startController({ config, logger: silentLogger, naming: createNaming('unit-kinds'), bus, signals, entities: stores.entities, activations: stores.activations });
});

afterAll(async () => {
  await controller.stop();
  await bus.close();
  await signals.close();
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(method: string, path: string, body?: string) {
  return fetch(`${controller.url}/api/v1/namespaces/_${path}`, { method, headers: { Authorization: authHeader, 'Content-Type': 'application/json' }, ...(body !== undefined ? { body } : {}) });
}

describe('PUT of python, blackbox and sequence actions', () => {
  beforeAll(async () => {
    expect((await call('PUT', '/actions/base', JSON.stringify({ exec: { kind: 'python:3.11', code: 'def main(a):\n    return a\n' } }))).status).toBe(200);
  });

  it('shows a blackbox without its code when asked for code=false', async () => {
    expect((await call('PUT', '/actions/bb', JSON.stringify({ exec: { kind: 'blackbox', image: 'some/image:1', code: 'echo {}', main: 'm' } }))).status).toBe(200);
    expect(((await (await call('GET', '/actions/bb?code=false')).json()) as { exec: unknown }).exec).toEqual({ kind: 'blackbox', image: 'some/image:1', binary: false, main: 'm' });
    expect(((await (await call('GET', '/actions/bb')).json()) as { exec: unknown }).exec).toEqual({ kind: 'blackbox', image: 'some/image:1', code: 'echo {}', binary: false, main: 'm' });
  });

  it('never answers 5xx to hostile exec bodies and leaves the store unchanged on rejection', async () => {
    expect((await call('PUT', '/actions/fuzzed', JSON.stringify({ exec: { kind: 'sequence', components: ['/_/base'] } }))).status).toBe(200);
    let before = await (await call('GET', '/actions/fuzzed')).json();
    const name = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('/_/base', '/guest/base', 'guest/base', '/other/x', '/_/pkg/a', '/_/fuzzed', '/_/bb', '_', '/', '//', '/_/base/'));
    const exec = fc.record(
      {
        kind: fc.constantFrom('sequence', 'blackbox', 'python:3.11', 'python:default', 'python:3', 'nodejs:20', 'BLACKBOX'),
        components: fc.oneof(fc.anything(), fc.array(name, { maxLength: 60 })),
        image: fc.oneof(fc.anything(), fc.string({ maxLength: 300 }), fc.constantFrom('ok/image', 'localhost:5000/x:y', 'UPPER', 'a@sha256:12')),
        code: fc.oneof(fc.anything(), fc.constantFrom('def main(a): return a', 'UEsDBAo=')),
        main: fc.anything(),
      },
      { requiredKeys: ['kind'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(exec, fc.anything()), fc.boolean(), async (execBody, overwrite) => {
        const res = await call('PUT', `/actions/fuzzed?overwrite=${overwrite}`, JSON.stringify({ exec: execBody }));
        expect(res.status).toBeLessThan(500);
        const answer = (await res.json()) as Record<string, unknown>;
        const now = await (await call('GET', '/actions/fuzzed')).json();
        if (res.status >= 400) {
          expect(typeof answer.error).toBe('string');
          expect(answer.code).toBe(res.headers.get('x-request-id'));
          expect(now).toEqual(before);
        } else {
          before = now;
        }
      }),
      { numRuns: 200 },
    );
  });
});
