import { REGISTRATIONS_NAMESPACE, type RegistrationDoc } from '../common/feeds/registration';
import type { EntityStore } from '../common/spi/entity-store';
import { retry, TRY_AGAIN } from '../common/retry/retry';

/**
 * Read, change, write with the revision, as a runner writes its registration's position and status;
 * a registration deleted or created again meanwhile (another id) is left alone. Answers the
 * revision written, so the runner knows its own write when the scan reports it.
 */
export async function updateRegistration(store: EntityStore, key: string, id: string, change: (current: RegistrationDoc) => RegistrationDoc): Promise<string | undefined> {
  return retry(
    async () => {
      const stored = await store.get<RegistrationDoc>(REGISTRATIONS_NAMESPACE, key);
      if (!stored || stored.doc.id !== id) return undefined;
      const outcome = await store.put(REGISTRATIONS_NAMESPACE, key, change(stored.doc), stored.revision);
      return outcome.ok ? outcome.revision : TRY_AGAIN;
    },
    { attempts: 10, exhausted: () => new Error(`registration ${key} keeps changing underneath`) },
  );
}
