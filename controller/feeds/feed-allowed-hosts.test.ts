import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStores, type EmbeddedStores } from '../../common/adapters/embedded/embedded-stores';
import { isPlatformError } from '../../common/errors/platform-error';
import { silentLogger } from '../../common/logging/logger';
import { TEST_MESSAGE_KEY } from '../../test/harness/message-key';
import { FeedRegistrations, hostAllowed } from './feed-registrations';

describe('the brokers messaging feeds may reach (WISP_FEED_ALLOWED_HOSTS)', () => {
  it('allows any host with no list, else only a listed host:port or bare host', () => {
    expect(hostAllowed('10.1.2.3:6379', [])).toBe(true);
    expect(hostAllowed('kafka.example:9092', ['kafka.example:9092'])).toBe(true);
    expect(hostAllowed('KAFKA.example:9093', ['kafka.example'])).toBe(true);
    expect(hostAllowed('127.0.0.1:6379', ['127.0.0.1:9092'])).toBe(false);
    expect(hostAllowed('[::1]:9092', ['[::1]'])).toBe(true);
  });

  describe('at CREATE', () => {
    let dir: string;
    let stores: EmbeddedStores;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wisp-feed-hosts-'));
      stores = await openEmbeddedStores({ dataDir: dir, logger: silentLogger });
      await stores.entities.put('guest', 't', { entityType: 'trigger', namespace: 'guest', name: 't', version: '0.0.1', publish: false, parameters: [], annotations: [], limits: {}, updated: 1 } as never, null);
    });
    afterAll(async () => {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('refuses a broker off the list with 403, before connecting to anything', async () => {
      const probed: unknown[] = [];
      const registrations = new FeedRegistrations(stores.entities, TEST_MESSAGE_KEY, Date.now, async (spec) => {
        probed.push(spec);
        return spec as never;
      }, ['127.0.0.1:9092']);
      let refused: unknown;
      try {
        await registrations.create('guest', 't', 'auth', 'kafkaFeed', { brokers: '127.0.0.1:6379', topic: 'orders' });
      } catch (error) {
        refused = error;
      }
      expect(isPlatformError(refused) && { code: refused.code, status: refused.status, message: refused.message }).toEqual({
        code: 'feed-source-refused',
        status: 403,
        message: 'feeds may not connect to 127.0.0.1:6379: it is not among the brokers this deployment allows (WISP_FEED_ALLOWED_HOSTS)',
      });
      expect(probed).toEqual([]);
    });
  });
});
