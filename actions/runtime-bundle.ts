import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, buildSync, type BuildOptions, type OutputFile } from 'esbuild';

// Bundles a runtime proxy into one JavaScript file that plain `node` runs: what the image
// carries and what process containers start. (The python runtime is one stdlib-only file and
// needs no bundling: runtime-python/proxy-file.ts.) The hash is taken over the bundle itself, so it
// changes exactly when any source that reaches the proxy changes, and names the cache dir.

export interface RuntimeBundle {
  readonly file: string;
  /** sha256 (hex) of the family and the bundled text. */
  readonly hash: string;
}

const REPO_ROOT = resolve(__dirname, '..');
/** Runtimes written in TypeScript. */
export type BundledFamily = 'nodejs';
const ENTRY_POINTS: Readonly<Record<BundledFamily, string>> = { nodejs: 'actions/runtime-nodejs/proxy.ts' };
export const BUNDLE_FILE_NAME = 'proxy.js';

export async function bundleRuntime(family: BundledFamily, outDir?: string): Promise<RuntimeBundle> {
  return writeBundle(family, (await build(buildOptions(family))).outputFiles, outDir);
}

/** The same, synchronously: for test set-up that must hand a factory its proxy before any await. */
export function bundleRuntimeSync(family: BundledFamily, outDir?: string): RuntimeBundle {
  return writeBundle(family, buildSync(buildOptions(family)).outputFiles, outDir);
}

function buildOptions(family: BundledFamily): BuildOptions & { write: false } {
  return {
    entryPoints: [join(REPO_ROOT, ENTRY_POINTS[family])],
    // Paths in the bundle's comments are relative to this, so the hash does not depend on cwd.
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: false,
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  };
}

function writeBundle(family: BundledFamily, outputs: readonly OutputFile[], outDir: string | undefined): RuntimeBundle {
  const output = outputs[0];
  if (!output) throw new Error(`esbuild produced no output for the ${family} runtime`);
  const hash = createHash('sha256').update(family).update('\0').update(output.contents).digest('hex');
  const dir = outDir ?? join(tmpdir(), `wisp-runtime-${hash}`);
  const file = join(dir, BUNDLE_FILE_NAME);
  if (!sameContent(file, output.contents)) {
    mkdirSync(dir, { recursive: true });
    // Write then rename: parallel test workers may bundle into the same cache dir at once.
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temporary, output.contents);
    renameSync(temporary, file);
  }
  return { file, hash };
}

function sameContent(file: string, contents: Uint8Array): boolean {
  try {
    return Buffer.from(contents).equals(readFileSync(file));
  } catch {
    return false;
  }
}
