import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeFamily } from '../common/entities/action';
import { PYTHON_PROXY_FILE } from './runtime-python/proxy-file';

// Where a built tree keeps the runtime proxies that process containers run: `npm run build`
// bundles the nodejs proxy next to the compiled code and copies proxy.py beside it, so an
// invoker never loads esbuild to make one. Run from the sources (tests), callers bundle their own.

export type RuntimeProxyFiles = Readonly<Record<RuntimeFamily, string>>;

export const NODEJS_PROXY_BUNDLE_DIR = join(__dirname, 'runtime-nodejs', 'bundle');
export const NODEJS_PROXY_BUNDLE = join(NODEJS_PROXY_BUNDLE_DIR, 'proxy.js');

/** The proxies of the tree this code was built into; throws, naming the fix, when one is missing. */
export function builtRuntimeProxies(): RuntimeProxyFiles {
  const files: RuntimeProxyFiles = { nodejs: NODEJS_PROXY_BUNDLE, python: PYTHON_PROXY_FILE };
  const missing = Object.values(files).filter((file) => !existsSync(file));
  if (missing.length > 0) throw new Error(`runtime proxy files missing (${missing.join(', ')}): run \`npm run build\` and start the compiled entry point from dist/`);
  return files;
}
