import { closeJsonParseWorker, OffThreadJsonError, parseJsonOffThread } from './json-parse-worker';

describe('parseJsonOffThread', () => {
  afterAll(() => closeJsonParseWorker());

  it('parses on another thread: the event loop keeps turning while a large body is parsed', async () => {
    const code = 'A'.repeat(32 * 1024 * 1024);
    const body = Buffer.from(JSON.stringify({ exec: { kind: 'nodejs:20', code, binary: true }, list: [1, 'two', null] }));
    let turns = 0;
    const spin = () => {
      turns += 1;
      if (!done) setImmediate(spin);
    };
    let done = false;
    setImmediate(spin);
    const parsed = (await parseJsonOffThread(body)) as { exec: { code: string }; list: unknown[] };
    done = true;
    expect(parsed.exec.code).toHaveLength(code.length);
    expect(parsed.list).toEqual([1, 'two', null]);
    // An inline JSON.parse would have held the loop for the whole parse: not one turn between.
    expect(turns).toBeGreaterThan(1);
  });

  it("answers malformed JSON with JSON.parse's own message, and keeps serving after it", async () => {
    await expect(parseJsonOffThread(Buffer.from('{"a": '))).rejects.toThrow(OffThreadJsonError);
    await expect(parseJsonOffThread(Buffer.from('{"a": '))).rejects.toThrow(/JSON/);
    await expect(parseJsonOffThread(Buffer.from('{"a": "ü"}'))).resolves.toEqual({ a: 'ü' });
  });

  it('keeps the answers of concurrent parses apart', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => parseJsonOffThread(Buffer.from(JSON.stringify({ n })))));
    expect(answers).toEqual(Array.from({ length: 20 }, (_, n) => ({ n })));
  });
});
