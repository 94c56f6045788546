import { StringDecoder } from 'node:string_decoder';
import { LOG_SENTINEL } from '../../common/protocol/runtime-protocol';
import type { CollectedLogs, CollectOptions, LogLine, LogStream } from '../../common/spi/container-factory';

// Bounded log capture for one container, shared by every ContainerFactory adapter. Raw bytes
// from stdout and stderr are framed on '\n' and stamped on arrival. Text is dropped once the
// buffer is full, but sentinels are kept as markers, so collection still finds the end of an
// activation after a flood and the next activation starts clean.

export interface LogBufferOptions {
  /** Upper bound on buffered text (plus a per-line overhead), whatever the container prints. */
  readonly maxBufferedBytes?: number;
  /** Longer lines are split, as Docker's json-file driver splits at 16 KiB. */
  readonly maxLineLength?: number;
  /** Clock for the line times; RFC 3339 with nanoseconds. */
  readonly now?: () => string;
}

type Entry =
  | { readonly kind: 'line'; readonly line: LogLine; readonly cost: number }
  /** `tag`: the activation a tagged sentinel ends (concurrent runtimes tag theirs). */
  | { readonly kind: 'sentinel'; readonly stream: LogStream; readonly tag?: string };

// A concurrent runtime's line prefix: the activation id (32 hex digits) and a space.
const TAG = /^([0-9a-f]{32}) $/;

interface Waiter {
  readonly ready: () => boolean;
  readonly wake: () => void;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_LINE_LENGTH = 16 * 1024;
// Counted per buffered line on top of its bytes, so a flood of empty lines is bounded too.
const LINE_OVERHEAD_BYTES = 64;

export class LogBuffer {
  private entries: Entry[] = [];
  private bufferedBytes = 0;
  private droppedSinceCollect = false;
  private ended = false;
  private readonly partial: Record<LogStream, string> = { stdout: '', stderr: '' };
  private readonly decoders: Record<LogStream, StringDecoder> = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };
  private readonly waiters = new Set<Waiter>();
  private readonly maxBufferedBytes: number;
  private readonly maxLineLength: number;
  private readonly now: () => string;

  constructor(options: LogBufferOptions = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.now = options.now ?? nowRfc3339Nanos;
  }

  write(stream: LogStream, chunk: Buffer | string): void {
    if (this.ended) return;
    const text = typeof chunk === 'string' ? chunk : this.decoders[stream].write(chunk);
    let pending = this.partial[stream] + text;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      this.addLine(stream, pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    while (pending.length > this.maxLineLength) {
      this.addLine(stream, pending.slice(0, this.maxLineLength));
      pending = pending.slice(this.maxLineLength);
    }
    this.partial[stream] = pending;
    this.wakeWaiters();
  }

  /** The container's output is closed: unterminated lines are kept and waiting collectors return. */
  end(): void {
    if (this.ended) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.partial[stream] + this.decoders[stream].end();
      this.partial[stream] = '';
      if (rest.length > 0) this.addLine(stream, rest);
    }
    this.ended = true;
    this.wakeWaiters();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  async collect(options: CollectOptions): Promise<CollectedLogs> {
    const tag = options.activationId;
    if (options.waitForSentinel) await this.waitFor(() => this.ended || this.bothSentinelsBuffered(tag), options.timeoutMs);
    return this.take(options);
  }

  /** Resolves when `ready()` holds or after `timeoutMs`, whichever comes first. */
  private waitFor(ready: () => boolean, timeoutMs: number): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        ready,
        wake: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private wakeWaiters(): void {
    for (const waiter of [...this.waiters]) if (waiter.ready()) waiter.wake();
  }

  private bothSentinelsBuffered(tag: string | undefined): boolean {
    let stdout = false;
    let stderr = false;
    for (const entry of this.entries) {
      if (entry.kind !== 'sentinel' || entry.tag !== tag) continue;
      if (entry.stream === 'stdout') stdout = true;
      else stderr = true;
      if (stdout && stderr) return true;
    }
    return false;
  }

  // Takes each stream's lines up to and including its first sentinel; what follows a stream's
  // sentinel belongs to the next activation and stays buffered.
  //
  // Tagged (options.activationId): only that activation's lines and sentinels, the tag removed;
  // other activations' stay. An untagged line there is the runtime's own, given to whoever collects first.
  private take(options: CollectOptions): CollectedLogs {
    const done: Record<LogStream, boolean> = { stdout: false, stderr: false };
    const lines: LogLine[] = [];
    const kept: Entry[] = [];
    let truncated = this.droppedSinceCollect;
    let bytes = 0;
    const tag = options.activationId;
    const prefix = tag === undefined ? undefined : `${tag} `;
    for (const original of this.entries) {
      let entry = original;
      const stream = entry.kind === 'line' ? entry.line.stream : entry.stream;
      if (prefix !== undefined) {
        const mine = entry.kind === 'sentinel' ? entry.tag === tag : !isTagged(entry.line.text) || entry.line.text.startsWith(prefix);
        if (!mine) {
          kept.push(entry);
          continue;
        }
        if (entry.kind === 'line' && entry.line.text.startsWith(prefix)) {
          entry = { ...entry, line: { ...entry.line, text: entry.line.text.slice(prefix.length) } };
        }
      }
      if (done[stream]) {
        kept.push(original);
        continue;
      }
      this.bufferedBytes -= original.kind === 'line' ? original.cost : 0;
      if (entry.kind === 'sentinel') {
        done[stream] = true;
        continue;
      }
      const size = Buffer.byteLength(entry.line.text) + 1;
      if (bytes + size > options.limitBytes) {
        truncated = true;
        continue;
      }
      bytes += size;
      lines.push(entry.line);
    }
    this.entries = kept;
    this.droppedSinceCollect = false;
    const complete = !options.waitForSentinel || (done.stdout && done.stderr);
    return { lines, truncated, complete };
  }

  private addLine(stream: LogStream, text: string): void {
    if (text.endsWith(LOG_SENTINEL)) {
      // Output without a trailing newline runs into the sentinel; keep it as its own line.
      const before = text.slice(0, text.length - LOG_SENTINEL.length);
      const tag = TAG.exec(before)?.[1];
      if (tag !== undefined) {
        this.entries.push({ kind: 'sentinel', stream, tag });
        return;
      }
      if (before.length > 0) this.addText(stream, before);
      this.entries.push({ kind: 'sentinel', stream });
      return;
    }
    this.addText(stream, text);
  }

  private addText(stream: LogStream, text: string): void {
    const cost = Buffer.byteLength(text) + 1 + LINE_OVERHEAD_BYTES;
    if (this.bufferedBytes + cost > this.maxBufferedBytes) {
      this.droppedSinceCollect = true;
      return;
    }
    this.bufferedBytes += cost;
    this.entries.push({ kind: 'line', cost, line: { time: this.now(), stream, text } });
  }
}

function isTagged(text: string): boolean {
  return text.length > 32 && text.charCodeAt(32) === 32 && TAG.test(text.slice(0, 33));
}

/**
 * RFC 3339 in UTC with nine fraction digits (the width OpenWhisk's log lines have), from epoch
 * milliseconds with a fraction. A double holds epoch time to about 0.25 µs, so the digits past
 * the microsecond are always zero rather than noise.
 */
export function rfc3339Nanos(epochMs: number): string {
  const wholeMs = Math.floor(epochMs);
  const micros = Math.min(999, Math.floor((epochMs - wholeMs) * 1e3));
  const iso = new Date(wholeMs).toISOString(); // 2024-01-02T03:04:05.678Z
  return `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}000Z`;
}

export function nowRfc3339Nanos(): string {
  return rfc3339Nanos(performance.timeOrigin + performance.now());
}
