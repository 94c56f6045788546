import { newActivationId } from '../../ids';
import { silentLogger } from '../../logging/logger';
import { openEmbeddedActivationStore } from './embedded-activation-store';

// Run by embedded-activation-store.test.ts as a child process that is killed with SIGKILL while
// it writes: it reports every id whose create resolved, and the test checks all of them survive.

async function main(dataDir: string): Promise<void> {
  const store = openEmbeddedActivationStore({ dataDir, logger: silentLogger });
  for (let i = 0; ; i++) {
    const activationId = newActivationId();
    const start = Date.now();
    const writes = [0, 1, 2].map((k) =>
      store.create({
        namespace: 'ns',
        name: 'crash',
        subject: 'guest',
        activationId: k === 0 ? activationId : newActivationId(),
        start,
        end: start + 1,
        response: { statusCode: 0, result: { i, pad: 'p'.repeat(2000) } },
        logs: [],
        version: '0.0.1',
        publish: false,
        annotations: [],
      }),
    );
    await Promise.all(writes);
    process.stdout.write(`acked ${activationId}\n`);
  }
}

void main(process.argv[2]!);
