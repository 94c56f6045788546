import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { bundleRuntime } from '../../actions/runtime-bundle';
import { withBuildLock } from './build-lock';

// `npm run build`: tsc compiles the product folders into dist/ (tsconfig.build.json), esbuild
// bundles the nodejs runtime proxy next to the compiled runtime code, and the files the code
// reads at run time (proxy.py, the system actions, the dashboard page) are copied beside it. `--if-stale` skips all
// of it when dist/ was built from the same inputs, so `npm start` can ask on every start.

const ROOT = resolve(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.inputs-hash');
const SOURCE_DIRS = ['common', 'controller', 'invoker', 'triggers', 'actions', 'deploy'];
const INPUT_FILES = ['package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const ASSETS = ['actions/runtime-python/proxy.py', 'actions/system', 'controller/dashboard/page'];
/** The package.json `bin` entries, relative to dist/. */
const BINS = ['deploy/cli/main.js'];
/** The compiled runtime-proxy-files.ts looks for the bundle here (NODEJS_PROXY_BUNDLE_DIR). */
const PROXY_BUNDLE_DIR = join(DIST, 'actions', 'runtime-nodejs', 'bundle');

async function main(args: readonly string[]): Promise<void> {
  const unknown = args.filter((a) => a !== '--if-stale' && a !== '--quiet');
  if (unknown.length > 0) throw new Error(`build: unknown arguments ${unknown.join(' ')} (takes --if-stale, --quiet)`);
  const say = args.includes('--quiet') ? () => undefined : (line: string) => process.stderr.write(`build: ${line}\n`);
  await withBuildLock(join(ROOT, '.build.lock'), async () => {
    const hash = inputsHash();
    if (args.includes('--if-stale') && readOrEmpty(STAMP) === hash) return say('dist/ is up to date');
    const started = Date.now();
    // From scratch: a file moved or removed in the sources must not live on in dist/.
    rmSync(DIST, { recursive: true, force: true });
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
    if (tsc.status !== 0) throw new Error(`tsc failed (exit ${tsc.status ?? tsc.signal})`);
    await bundleRuntime('nodejs', PROXY_BUNDLE_DIR);
    for (const asset of ASSETS) cpSync(join(ROOT, asset), join(DIST, asset), { recursive: true });
    // The package's bin (`npx wisp`) is run as a file, so it must be executable.
    for (const bin of BINS) chmodSync(join(DIST, bin), 0o755);
    writeFileSync(STAMP, hash);
    say(`dist/ built in ${Date.now() - started} ms`);
  });
}

/** sha256 over every input's path and bytes: sources (tests too are cheap to include, and harmless), configs, the lockfile. */
function inputsHash(): string {
  const hash = createHash('sha256');
  const files = [...SOURCE_DIRS.flatMap((d) => walk(join(ROOT, d))), ...INPUT_FILES.map((f) => join(ROOT, f))];
  for (const file of files.sort()) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === '__pycache__') return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
