import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from './error-catalogue';

const DOC = join(__dirname, '..', '..', 'docs', 'errors.md');

/** The rows of docs/errors.md's table: `| \`code\` | status | description |`. */
function documentedCodes(): Record<string, { status: number; description: string }> {
  const rows: Record<string, { status: number; description: string }> = {};
  for (const line of readFileSync(DOC, 'utf8').split('\n')) {
    const row = /^\| `([^`]+)` \| (\d{3}) \| (.*) \|$/.exec(line);
    if (row) rows[row[1]!] = { status: Number(row[2]), description: row[3]! };
  }
  return rows;
}

describe('error catalogue', () => {
  it('names every code in kebab-case, with an HTTP error status and a one-line description', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(entry.status >= 400 && entry.status < 600).toBe(true);
      expect(entry.description).toMatch(/^[A-Z].*\.$/);
      expect(entry.description).not.toContain('\n');
    }
  });

  it('is what docs/errors.md lists: every code with its status and description, and nothing stale', () => {
    expect(documentedCodes()).toEqual(Object.fromEntries(Object.entries(ERROR_CATALOGUE).map(([code, { status, description }]) => [code, { status, description }])));
  });
});
