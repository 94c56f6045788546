import { silentLogger } from '../../logging/logger';
import { createNaming } from '../../naming';
import type { Subscription } from '../../spi/message-bus';
import { openEmbeddedMessageBus } from './embedded-message-bus';

// Run by embedded-message-bus.test.ts as a child process that is killed with SIGKILL while it
// sends. First it finishes ten messages and waits well past the commit flush, so their commit is
// on disk ("committed"); then it sends from several loops at once (so sends share fdatasyncs) and
// reports every value whose send resolved ("acked <value>"). The test checks that after a reopen
// every acknowledged message comes back and none of the finished ones does.

const COMMIT_FLUSH_MS = 20;
const LOOPS = 4;

async function main(dataDir: string, prefix: string): Promise<void> {
  const naming = createNaming(prefix);
  const topic = naming.invokerTopic('invoker0');
  const bus = openEmbeddedMessageBus({ dataDir, logger: silentLogger, commitFlushMs: COMMIT_FLUSH_MS });
  await bus.ensureTopic(topic, { partitions: 2 });
  await bus.send(topic, Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`finished${i}`) })));
  let finished = 0;
  let allFinished!: () => void;
  const finishedAll = new Promise<void>((resolve) => (allFinished = resolve));
  // Delivery never happens inside subscribe(), so `subscription` is set before the first message.
  const subscription: Subscription = await bus.subscribe({
    topic,
    groupId: naming.invokerGroup('invoker0'),
    onMessage: (message) => {
      subscription.done(message);
      if (++finished === 10) allFinished();
    },
  });
  await finishedAll;
  await subscription.close();
  await new Promise((resolve) => setTimeout(resolve, 25 * COMMIT_FLUSH_MS));
  process.stdout.write('committed\n');

  await Promise.all(
    Array.from({ length: LOOPS }, async (_, loop) => {
      for (let i = 0; ; i++) {
        // Every third send is a batch of three, to cover batches as well.
        const values = i % 3 === 0 ? [0, 1, 2].map((k) => `l${loop}-${i}-${k}`) : [`l${loop}-${i}`];
        await bus.send(topic, values.map((value) => ({ key: value, value: Buffer.from(value), headers: { loop: String(loop) } })));
        process.stdout.write(values.map((value) => `acked ${value}\n`).join(''));
      }
    }),
  );
}

void main(process.argv[2]!, process.argv[3]!);
