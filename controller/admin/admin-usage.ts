import { LIMIT_FIELD_NAMES } from '../../common/entities/namespace-limits';

// What `wisp-admin help` prints, and what a bare `wisp-admin` prints to stderr.

export const USAGE = `usage: wisp-admin <command> [arguments] [--data-dir DIR]

commands:
  user create <subject> [--namespace NS] [--auth UUID:KEY]   create a subject (or add a namespace to it); prints the new uuid:key
  user list <subject>                                        the subject's namespaces and their key uuids
  namespace create <subject> <namespace> [--auth UUID:KEY]   add a namespace to an existing subject; prints its first uuid:key
  key issue <namespace> [--auth UUID:KEY]                    issue another key for a namespace; prints the uuid:key
  key list <namespace>                                       the uuids of a namespace's keys (keys are never shown)
  key revoke <uuid>                                          revoke a key
  limits set <namespace> --FIELD VALUE ...                   set namespace limits (VALUE 'default' clears a field)
  limits get <namespace>                                     the limits set for a namespace (others use system defaults)
  limits delete <namespace>                                  clear every limit of a namespace

limit fields: ${LIMIT_FIELD_NAMES.join(', ')}
  allowedKinds takes a comma-separated list (e.g. nodejs:20,python:3.11); storeActivations takes true or false

store: Redis from WISP_REDIS_URL and WISP_PREFIX (the distributed profile), or with --data-dir DIR
the embedded store of a standalone platform, which must be stopped meanwhile (it holds the store's lock).`;
