import type { IdentityRecords } from '../identity/identity-records';
import type { AdminCommand } from './admin-args';

// Runs one parsed wisp-admin command against the identity records and writes its answer through
// `out` (one line per call). Keys are printed only when issued; lists show uuids, never keys.

export async function runAdminCommand(command: AdminCommand, records: IdentityRecords, out: (line: string) => void): Promise<void> {
  switch (command.name) {
    case 'help':
      return;
    case 'user create':
      out(await records.createUser(command.subject, command.namespace, command.auth));
      return;
    case 'user list':
      for (const { namespace, keys } of await records.listSubject(command.subject)) {
        if (keys.length === 0) out(`${namespace}\t(no keys)`);
        for (const uuid of keys) out(`${namespace}\t${uuid}`);
      }
      return;
    case 'namespace create':
      out(await records.createNamespace(command.subject, command.namespace, command.auth));
      return;
    case 'key issue':
      out(await records.issueKey(command.namespace, command.auth));
      return;
    case 'key list':
      for (const uuid of await records.listKeys(command.namespace)) out(uuid);
      return;
    case 'key revoke': {
      const { namespace } = await records.revokeKey(command.uuid);
      out(`revoked key ${command.uuid} of namespace ${namespace}`);
      return;
    }
    case 'limits set':
      out(JSON.stringify(await records.setLimits(command.namespace, command.patch), null, 2));
      return;
    case 'limits get':
      out(JSON.stringify(await records.limitsOf(command.namespace), null, 2));
      return;
    case 'limits delete':
      await records.clearLimits(command.namespace);
      out(`cleared the limits of namespace ${command.namespace}: system defaults apply`);
      return;
  }
}
