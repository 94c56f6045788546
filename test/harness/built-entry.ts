import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Processes that tests start run what production runs: the compiled entry point in dist/. The
// build runs here (skipped when dist/ matches the sources) once per test process, so a test run
// right after an edit never starts a stale tree.

const ROOT = join(__dirname, '..', '..');
let built = false;

/** The compiled file of a source entry point such as `controller/main.ts`, built first when stale. */
export function builtEntry(entry: string): string {
  if (!built) {
    const build = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'deploy/build/build.ts'), '--if-stale', '--quiet'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status ?? build.signal}):\n${build.stdout}${build.stderr}`);
    built = true;
  }
  return join(ROOT, 'dist', entry.replace(/\.ts$/, '.js'));
}
