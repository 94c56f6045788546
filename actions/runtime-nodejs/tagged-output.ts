import { AsyncLocalStorage } from 'node:async_hooks';

// Concurrent activations share one process's stdout and stderr, so sentinels alone cannot
// tell their lines apart. Each run's code executes inside an async context carrying its
// activation id, and every line written while that context is current goes out as
// `<activationId> <line>`; the invoker's log collection takes an activation's lines by that tag.
// An unfinished line is held per activation until its newline (or the run's end), so another
// activation's output can never land in the middle of it.

export interface OutputTagger {
  /** Runs `fn` with everything it (and what it schedules) writes tagged with the id. */
  withActivation<T>(activationId: string, fn: () => Promise<T>): Promise<T>;
}

// A line held longer than this is written out as it is, as Docker splits long lines.
const MAX_HELD_CHARS = 16 * 1024;

export function tagOutput(streams: readonly NodeJS.WriteStream[]): OutputTagger {
  const current = new AsyncLocalStorage<string>();
  const flushes: ((activationId: string) => void)[] = [];
  for (const stream of streams) {
    const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
    const held = new Map<string, string>();
    const tagged = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      const id = current.getStore();
      if (id === undefined) return write(chunk, ...rest);
      const text = (held.get(id) ?? '') + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const end = text.lastIndexOf('\n');
      let pending = end < 0 ? text : text.slice(end + 1);
      let out = end < 0 ? '' : text.slice(0, end).split('\n').map((line) => `${id} ${line}\n`).join('');
      if (pending.length > MAX_HELD_CHARS) {
        out += `${id} ${pending}\n`;
        pending = '';
      }
      if (pending.length > 0) held.set(id, pending);
      else held.delete(id);
      // Encoding arguments no longer apply: the text is decoded; a callback still must be called.
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (out.length === 0) {
        if (callback) process.nextTick(callback);
        return true;
      }
      return callback ? write(out, callback) : write(out);
    };
    stream.write = tagged as NodeJS.WriteStream['write'];
    flushes.push((id) => {
      const rest = held.get(id);
      held.delete(id);
      if (rest !== undefined) write(`${id} ${rest}\n`);
    });
  }
  return {
    withActivation: async (activationId, fn) => {
      try {
        return await current.run(activationId, fn);
      } finally {
        for (const flush of flushes) flush(activationId);
      }
    },
  };
}
