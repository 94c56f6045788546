import { LOG_SENTINEL } from '../../common/protocol/runtime-protocol';
import { LogBuffer, rfc3339Nanos } from './log-buffer';

const S = `${LOG_SENTINEL}\n`;
const waitAll = { limitBytes: 1_000_000, waitForSentinel: true, timeoutMs: 1000 } as const;

function texts(lines: readonly { stream: string; text: string }[]): string[] {
  return lines.map((l) => `${l.stream}:${l.text}`);
}

describe('LogBuffer', () => {
  it('frames lines per stream, drops sentinels and reports completion', async () => {
    const buffer = new LogBuffer({ now: () => 't' });
    buffer.write('stdout', 'hello ');
    buffer.write('stderr', Buffer.from('oops\n'));
    buffer.write('stdout', `world\n${S}`);
    buffer.write('stderr', S);
    const logs = await buffer.collect(waitAll);
    expect(texts(logs.lines)).toEqual(['stderr:oops', 'stdout:hello world']);
    expect(logs.lines[0]?.time).toBe('t');
    expect(logs).toMatchObject({ truncated: false, complete: true });
  });

  it('keeps what follows a stream sentinel for the next collect', async () => {
    const buffer = new LogBuffer();
    buffer.write('stdout', `first\n${S}second\n`);
    buffer.write('stderr', `e1\n${S}e2\n${S}`);
    expect(texts((await buffer.collect(waitAll)).lines)).toEqual(['stdout:first', 'stderr:e1']);
    buffer.write('stdout', S);
    const next = await buffer.collect(waitAll);
    expect(texts(next.lines)).toEqual(['stdout:second', 'stderr:e2']);
    expect(next.complete).toBe(true);
  });

  it('waits for the sentinels that arrive later', async () => {
    const buffer = new LogBuffer();
    buffer.write('stdout', 'a\n');
    const pending = buffer.collect(waitAll);
    setTimeout(() => buffer.write('stdout', S), 20);
    setTimeout(() => buffer.write('stderr', `b\n${S}`), 40);
    const logs = await pending;
    expect(texts(logs.lines)).toEqual(['stdout:a', 'stderr:b']);
    expect(logs.complete).toBe(true);
  });

  it('returns what arrived, incomplete, when the sentinels do not come in time', async () => {
    const buffer = new LogBuffer();
    buffer.write('stdout', `a\n${S}`);
    const started = Date.now();
    const logs = await buffer.collect({ ...waitAll, timeoutMs: 50 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(texts(logs.lines)).toEqual(['stdout:a']);
    expect(logs.complete).toBe(false);
  });

  it('returns at once when not waiting, complete by definition', async () => {
    const buffer = new LogBuffer();
    buffer.write('stdout', 'x\n');
    const logs = await buffer.collect({ limitBytes: 100, waitForSentinel: false, timeoutMs: 10_000 });
    expect(texts(logs.lines)).toEqual(['stdout:x']);
    expect(logs.complete).toBe(true);
  });

  it('stops waiting when the output ends, keeping unterminated lines', async () => {
    const buffer = new LogBuffer();
    buffer.write('stderr', 'dying words');
    const pending = buffer.collect({ ...waitAll, timeoutMs: 10_000 });
    buffer.end();
    const logs = await pending;
    expect(texts(logs.lines)).toEqual(['stderr:dying words']);
    expect(logs.complete).toBe(false);
    buffer.write('stdout', 'after end\n');
    expect((await buffer.collect(waitAll)).lines).toHaveLength(0);
  });

  it('splits text written straight before the sentinel into its own line', async () => {
    const buffer = new LogBuffer();
    buffer.write('stdout', `no newline${S}`);
    buffer.write('stderr', S);
    expect(texts((await buffer.collect(waitAll)).lines)).toEqual(['stdout:no newline']);
  });

  it('truncates at the limit counting a newline per line, and the next activation starts clean', async () => {
    const buffer = new LogBuffer();
    for (let i = 0; i < 10; i += 1) buffer.write('stdout', `${'x'.repeat(9)}\n`);
    buffer.write('stdout', S);
    buffer.write('stderr', S);
    const logs = await buffer.collect({ ...waitAll, limitBytes: 35 });
    expect(logs.lines).toHaveLength(3);
    expect(logs.truncated).toBe(true);
    expect(logs.complete).toBe(true);
    buffer.write('stdout', `next\n${S}`);
    buffer.write('stderr', S);
    const next = await buffer.collect({ ...waitAll, limitBytes: 35 });
    expect(texts(next.lines)).toEqual(['stdout:next']);
    expect(next.truncated).toBe(false);
  });

  it('bounds what it buffers but still sees the sentinels after a flood', async () => {
    const buffer = new LogBuffer({ maxBufferedBytes: 10_000 });
    const line = `${'y'.repeat(999)}\n`;
    for (let i = 0; i < 5_000; i += 1) buffer.write('stdout', line); // 5 MB
    buffer.write('stdout', S);
    buffer.write('stderr', S);
    const logs = await buffer.collect({ ...waitAll, limitBytes: 10_000_000 });
    expect(logs.complete).toBe(true);
    expect(logs.truncated).toBe(true);
    expect(logs.lines.length).toBeLessThan(10);
    buffer.write('stdout', `fresh\n${S}`);
    buffer.write('stderr', S);
    const next = await buffer.collect(waitAll);
    expect(texts(next.lines)).toEqual(['stdout:fresh']);
    expect(next.truncated).toBe(false);
  });

  it('splits a line that never ends', async () => {
    const buffer = new LogBuffer({ maxLineLength: 100 });
    buffer.write('stdout', 'z'.repeat(250));
    buffer.end();
    const logs = await buffer.collect({ ...waitAll, waitForSentinel: false });
    expect(logs.lines.map((l) => l.text.length)).toEqual([100, 100, 50]);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const buffer = new LogBuffer();
    const bytes = Buffer.from('❄ ☃ ❄\n');
    buffer.write('stdout', bytes.subarray(0, 2));
    buffer.write('stdout', bytes.subarray(2));
    const logs = await buffer.collect({ ...waitAll, waitForSentinel: false });
    expect(texts(logs.lines)).toEqual(['stdout:❄ ☃ ❄']);
  });
});

describe('rfc3339Nanos', () => {
  it('writes nine fraction digits', () => {
    expect(rfc3339Nanos(Date.UTC(2024, 0, 2, 3, 4, 5, 678) + 0.123456)).toBe('2024-01-02T03:04:05.678123000Z');
    expect(rfc3339Nanos(Date.UTC(2024, 0, 2, 3, 4, 5, 0))).toBe('2024-01-02T03:04:05.000000000Z');
  });

  it('attributes interleaved tagged lines to their activations and strips the tags', async () => {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    const buffer = new LogBuffer();
    buffer.write('stdout', `${a} a1\n${b} b1\n${a} a2\n`);
    buffer.write('stderr', `${b} b-err\n${b} ${S}`);
    buffer.write('stdout', `${b} ${S}${b} after b\n`);
    const forB = await buffer.collect({ ...waitAll, activationId: b });
    expect(texts(forB.lines)).toEqual(['stdout:b1', 'stderr:b-err']);
    expect(forB.complete).toBe(true);

    // A's sentinels have not arrived: its collection waits for them, not for B's.
    const pending = buffer.collect({ ...waitAll, activationId: a });
    setTimeout(() => buffer.write('stdout', `${a} ${S}`), 10);
    setTimeout(() => buffer.write('stderr', `${a} ${S}`), 20);
    const forA = await pending;
    expect(texts(forA.lines)).toEqual(['stdout:a1', 'stdout:a2']);
    expect(forA.complete).toBe(true);

    // What B printed after its end stays for a later collection of B.
    buffer.write('stderr', `${b} ${S}`);
    buffer.write('stdout', `${b} ${S}`);
    expect(texts((await buffer.collect({ ...waitAll, activationId: b })).lines)).toEqual(['stdout:after b']);
  });

  it('gives an untagged line of a tagging runtime to the first collector, and leaves tagged ones alone when untagged', async () => {
    const a = 'a'.repeat(32);
    const buffer = new LogBuffer();
    buffer.write('stderr', `runtime: oops\n${a} ${S}`);
    buffer.write('stdout', `${a} ${S}`);
    const logs = await buffer.collect({ ...waitAll, activationId: a });
    expect(texts(logs.lines)).toEqual(['stderr:runtime: oops']);
    expect(logs.complete).toBe(true);
  });
});
