import { readdir, readFile } from 'node:fs/promises';

// Process containers carry their labels on the command line (`--wisp-label=key=value`), the
// one place another process can read them back, so an invoker that restarts after a crash can
// find and kill the runtimes its previous life left behind, exactly as Docker labels allow.

const LABEL_FLAG = '--wisp-label=';

export function labelArguments(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels).map(([key, value]) => `${LABEL_FLAG}${key}=${value}`);
}

export function labelsOf(argv: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const arg of argv) {
    if (!arg.startsWith(LABEL_FLAG)) continue;
    const pair = arg.slice(LABEL_FLAG.length);
    const eq = pair.indexOf('=');
    if (eq > 0) labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

export function matchesLabels(labels: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}

/**
 * Pids of live processes carrying every wanted label. Reads /proc (Linux); elsewhere there is
 * no portable way to read another process's arguments without `ps`, and it finds none.
 */
export async function findLabelledProcesses(wanted: Readonly<Record<string, string>>): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        let cmdline: string;
        try {
          cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
        } catch {
          return; // exited meanwhile, or not ours to read
        }
        if (!cmdline.includes(LABEL_FLAG)) return;
        if (matchesLabels(labelsOf(cmdline.split('\0')), wanted)) found.push(Number(entry));
      }),
  );
  return found.sort((a, b) => a - b);
}
