// An authenticated subject and the namespace it acts in. Keys are stored as a salted hash and
// compared in constant time; the clear key exists only in the caller's credentials.

export interface Identity {
  readonly subject: string;
  readonly namespace: string;
  readonly uuid: string;
  /** The caller's own `uuid:key`, kept only in memory to hand to actions as __OW_API_KEY. */
  readonly authKey: string;
}

export interface IdentityDoc {
  readonly entityType: 'identity';
  readonly subject: string;
  readonly namespace: string;
  readonly uuid: string;
  readonly keySalt: string;
  readonly keyHash: string;
  readonly revoked?: boolean;
}
