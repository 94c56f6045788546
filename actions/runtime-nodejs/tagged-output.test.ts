import { Writable } from 'node:stream';
import { tagOutput } from './tagged-output';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('tagOutput', () => {
  it('tags every line written inside an activation, holding unfinished lines until their end', async () => {
    const out = capture();
    const tagger = tagOutput([out.stream]);
    out.stream.write('untagged\n');
    await Promise.all([
      tagger.withActivation(A, async () => {
        out.stream.write('a1\na');
        await tick();
        out.stream.write('2\n');
        out.stream.write('unterminated');
      }),
      tagger.withActivation(B, async () => {
        out.stream.write('b');
        await tick();
        out.stream.write('1\n');
      }),
    ]);
    const lines = out.text().split('\n').filter((l) => l !== '');
    expect(lines[0]).toBe('untagged');
    expect(lines.filter((l) => l.startsWith(A))).toEqual([`${A} a1`, `${A} a2`, `${A} unterminated`]);
    expect(lines.filter((l) => l.startsWith(B))).toEqual([`${B} b1`]);
    expect(lines).toHaveLength(5);
  });

  it('tags what a run schedules to write later in its own context', async () => {
    const out = capture();
    const tagger = tagOutput([out.stream]);
    await tagger.withActivation(A, async () => {
      await new Promise<void>((resolve) => setTimeout(() => {
        out.stream.write('from a timer\n');
        resolve();
      }, 1));
    });
    expect(out.text()).toBe(`${A} from a timer\n`);
  });
});
