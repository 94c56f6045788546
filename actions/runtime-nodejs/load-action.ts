import { existsSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileFunction } from 'node:vm';
import { brandedError, brandGuard } from '../../common/protocol/branded-error';
import { RuntimeMessages } from './runtime-messages';
import { isArchiveError } from '../../common/archive/archive-error';
import { extractZip, isZip } from './unzip';

// Turns /init's code into the function /run calls. Inline source may export its entry point
// (module.exports.main, exports.main) or just declare it (`function main`); a zip is unpacked
// into a temporary directory and required like a package. `main` may name any exported
// function, with dots walking into nested exports as OpenWhisk's proxy allows.

export type ActionMain = (params: unknown) => unknown;

export interface LoadRequest {
  readonly main: string;
  readonly code: string;
  readonly binary: boolean;
}

/** An init failure whose message is the whole answer, without "Initialization has failed due to:". */
export class InitError extends brandedError('InitError') {}

export const isInitError = brandGuard(InitError);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export async function loadAction(request: LoadRequest): Promise<ActionMain> {
  const main = request.binary ? await loadArchive(request.code, request.main) : loadSource(request.code, request.main);
  if (typeof main !== 'function') throw new InitError(RuntimeMessages.notAFunction(request.main));
  return main as ActionMain;
}

function loadSource(code: string, main: string): unknown {
  const filename = join(process.cwd(), 'action.js');
  // The trailing arrow closes over the code's top-level scope, so a plain `function main` (or a
  // const) can be found by name through a direct eval without the code exporting it.
  const wrapper = compileFunction(`${code}\n;return (name) => eval(name);`, ['exports', 'require', 'module', '__filename', '__dirname'], {
    filename,
  });
  const module = { exports: {} as unknown };
  const lookup: unknown = wrapper.call(module.exports, module.exports, createRequire(filename), module, filename, process.cwd());
  const exported = walk(module.exports, main);
  if (typeof exported === 'function') return exported;
  if (typeof lookup === 'function' && IDENTIFIER.test(main)) {
    try {
      const declared: unknown = lookup(main);
      if (typeof declared === 'function') return declared;
    } catch {
      // Not declared in the code's scope: fall through to the remaining conventions.
    }
  }
  if (main === 'main' && typeof module.exports === 'function') return module.exports;
  return exported;
}

async function loadArchive(base64: string, main: string): Promise<unknown> {
  const data = Buffer.from(base64, 'base64');
  if (!isZip(data)) throw new InitError(RuntimeMessages.unsupportedArchive);
  const dir = mkdtempSync(join(tmpdir(), 'action-'));
  try {
    extractZip(data, dir);
  } catch (error) {
    if (isArchiveError(error) || error instanceof RangeError) {
      // RangeError: an offset in the directory points past the end of the data.
      console.error(`Could not unpack the action archive: ${error.message}`);
      throw new InitError(RuntimeMessages.brokenArchive);
    }
    throw error;
  }
  if (!existsSync(join(dir, 'package.json')) && !existsSync(join(dir, 'index.js'))) throw new InitError(RuntimeMessages.zipWithoutEntry);
  // Relative paths inside the action (fs.readFileSync('./model.bin')) resolve against its own files.
  process.chdir(dir);
  const exported = await requireOrImport(dir);
  const found = walk(exported, main);
  if (typeof found === 'function' || !isObject(exported)) return found;
  return walk((exported as { default?: unknown }).default, main);
}

// An ES module package cannot be required by Node 20; import it instead. The import is built
// at run time so the bundler leaves it a real dynamic import.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

async function requireOrImport(dir: string): Promise<unknown> {
  const requireFromDir = createRequire(join(dir, 'package.json'));
  try {
    return requireFromDir(dir);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_REQUIRE_ESM') throw error;
    return importModule(pathToFileURL(requireFromDir.resolve(dir)).href);
  }
}

function walk(root: unknown, path: string): unknown {
  let current = root;
  for (const part of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function isObject(value: unknown): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}
