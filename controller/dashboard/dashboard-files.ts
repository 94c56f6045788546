import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

// The dashboard's static files, read once at start from one folder into a table keyed by file
// name. A request is answered only when its name is a key of that table, so no path the client
// sends (`..`, encoded slashes, absolute paths) ever reaches the file system.

/** Where the page's files live: beside this module, in the source tree and in dist/ alike (the build copies them). */
export const DASHBOARD_PAGE_DIR = join(__dirname, 'page');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface DashboardFile {
  readonly type: string;
  readonly body: Buffer;
}

/** Every plain file of `dir` whose type the table knows, by name; sub-folders and other files are left out. */
export function loadDashboardFiles(dir: string = DASHBOARD_PAGE_DIR): ReadonlyMap<string, DashboardFile> {
  const files = new Map<string, DashboardFile>();
  for (const name of readdirSync(dir).sort()) {
    const type = TYPES[extname(name)];
    const path = join(dir, name);
    if (type === undefined || !statSync(path).isFile()) continue;
    files.set(name, { type, body: readFileSync(path) });
  }
  if (!files.has('index.html')) throw new Error(`dashboard: ${dir} has no index.html`);
  return files;
}
