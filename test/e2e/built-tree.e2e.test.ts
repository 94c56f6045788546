import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { useTempDirs } from '../harness/temp-dirs';
import { startDistributedPlatform, startStandalonePlatform } from '../harness/platforms';

// Production runs compiled JavaScript: the entry points that `npm start`, `npm run controller`
// and `npm run invoker` start must load dist/ and node_modules only, and never tsx, esbuild,
// typescript or the image-build code. Each process writes what it loaded when it exits.

const ROOT = join(__dirname, '..', '..');
const TRACER = join(ROOT, 'test', 'harness', 'loaded-modules.js');
const BUILD_TOOLS = /^node_modules\/(tsx|esbuild|@esbuild|typescript|get-tsconfig)\//;

interface LoadedModules {
  readonly execArgv: readonly string[];
  readonly nodeOptions: string;
  readonly modules: readonly string[];
}

function loaded(file: string): LoadedModules {
  const report = JSON.parse(readFileSync(file, 'utf8')) as LoadedModules;
  return { ...report, modules: report.modules.map((m) => relative(ROOT, m)) };
}

function expectRunsTheBuiltTreeOnly(report: LoadedModules): void {
  expect(report.modules.length).toBeGreaterThan(50);
  expect(report.modules.filter((m) => m.startsWith('dist/')).length).toBeGreaterThan(20);
  expect(report.modules.filter((m) => BUILD_TOOLS.test(m))).toEqual([]);
  expect(report.modules.filter((m) => !m.startsWith('dist/') && !m.startsWith('node_modules/') && m !== relative(ROOT, TRACER))).toEqual([]);
  expect(report.modules.filter((m) => /^dist\/actions\/(build-|runtime-bundle|runtime-image\.|python-image|debian-|local-images)/.test(m))).toEqual([]);
  expect(`${report.execArgv.join(' ')} ${report.nodeOptions}`).not.toMatch(/tsx|esbuild/);
}

const tempDir = useTempDirs('wisp-loaded');

describe('the compiled entry points', () => {
  it('standalone runs an action from dist/ with no build tool loaded', async () => {
    const file = join(tempDir(), 'standalone.json');
    const platform = await startStandalonePlatform({
      prefix: `e2e-built-${process.pid}`,
      containers: 'process',
      env: { NODE_OPTIONS: `--require ${TRACER}`, WISP_TEST_LOADED_MODULES_FILE: file },
    });
    try {
      const auth = Buffer.from('23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP').toString('base64');
      const headers = { authorization: `Basic ${auth}`, 'content-type': 'application/json' };
      const put = await fetch(`${platform.apihost}/api/v1/namespaces/_/actions/built-hello`, { method: 'PUT', headers, body: JSON.stringify({ exec: { kind: 'nodejs:20', code: 'function main(p){return {hello: p.name}}' } }) });
      expect(put.status).toBe(200);
      const run = await fetch(`${platform.apihost}/api/v1/namespaces/_/actions/built-hello?blocking=true&result=true`, { method: 'POST', headers, body: JSON.stringify({ name: 'dist' }) });
      expect(await run.json()).toEqual({ hello: 'dist' });
    } finally {
      await platform.stop();
    }
    expectRunsTheBuiltTreeOnly(loaded(file));
  }, 120_000);

  it('the distributed controller and invoker load dist/ with no build tool', async () => {
    const dir = tempDir();
    // One file per process: NODE_OPTIONS reaches both, and each names its own by its id.
    const platform = await startDistributedPlatform({
      prefix: `e2e-built-dist-${process.pid}`,
      env: { NODE_OPTIONS: `--require ${TRACER}`, WISP_TEST_LOADED_MODULES_DIR: dir },
    });
    await platform.stop();
    for (const name of ['controller0', 'invoker0']) expectRunsTheBuiltTreeOnly(loaded(join(dir, `${name}.json`)));
  }, 180_000);
});
