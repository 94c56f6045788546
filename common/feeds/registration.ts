import { seal, unseal, type MessageKey } from '../protocol/message-seal';
import type { EntityDocument } from '../spi/entity-store';
import type { AlarmSpec } from './alarm-spec';
import type { MessageSpec } from './message-spec';

// A feed registration: what a feed action's CREATE stored for one trigger, read by the triggers
// service (ADR 0017). The controller writes it (CREATE, UPDATE, DELETE); the triggers service
// owning it by lease moves `lastTick` and `status`. The caller's key is kept sealed with
// WISP_MESSAGE_KEY (ADR 0014), bound to this trigger and this registration's id.

/** Outside every user namespace (names start with a letter, digit or '_'), as the identity records are. */
export const REGISTRATIONS_NAMESPACE = '!registrations';

/** OpenWhisk's providers' status: `reason.kind` AUTO when the provider disabled it itself, USER for a PAUSE. */
export interface RegistrationStatus {
  readonly active: boolean;
  readonly dateChanged: number;
  readonly reason?: { readonly kind: 'AUTO' | 'USER'; readonly statusCode?: number; readonly message: string };
}

/** What a messaging feed's source is doing, written by the replica running it (READ shows it). */
export interface SourceState {
  readonly state: 'running' | 'retrying';
  /** Why it is retrying: the broker unreachable, fires refused with 429/5xx. */
  readonly reason?: string;
  readonly since: number;
  /** Messages skipped and never fired, by cause (committed past, so they do not stall their partition). */
  readonly skipped: { readonly notJson: number; readonly oversize: number };
  /** Messages in accepted fires, since the registration was created (a redelivered batch counts again). */
  readonly fired: number;
  /** The triggers replica running the source (WISP_TRIGGERS_ID). */
  readonly replica?: string;
}

export type FeedSpec = AlarmSpec | MessageSpec;

export interface RegistrationDoc<S extends FeedSpec = FeedSpec> extends EntityDocument {
  readonly entityType: 'registration';
  /** New at every CREATE: fire ids and the sealed key are bound to it, so a re-created feed starts afresh. */
  readonly id: string;
  readonly namespace: string;
  readonly trigger: string;
  readonly spec: S;
  /** The feed's own parameters as given, for UPDATE to merge into. */
  readonly params: Record<string, unknown>;
  readonly sealedAuth: string;
  readonly status: RegistrationStatus;
  /** The newest tick whose fire was accepted (2xx); ticks up to it never fire again. */
  readonly lastTick?: number;
  /** A messaging feed's source state and counts; its position lives in the broker (group offsets, acks). */
  readonly source?: SourceState;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export function registrationKey(namespace: string, trigger: string): string {
  return `${namespace}/${trigger}`;
}

function sealContext(namespace: string, trigger: string, id: string): Buffer {
  return Buffer.from(`wisp-feed-registration\0${namespace}/${trigger}\0${id}`);
}

export function sealAuth(key: MessageKey, auth: string, at: { namespace: string; trigger: string; id: string }): string {
  return seal(key, Buffer.from(auth), sealContext(at.namespace, at.trigger, at.id));
}

/** The `uuid:key`, or undefined when the blob was sealed with another key or moved to another registration. */
export function unsealAuth(key: MessageKey, doc: Pick<RegistrationDoc, 'sealedAuth' | 'namespace' | 'trigger' | 'id'>): string | undefined {
  return unseal(key, doc.sealedAuth, sealContext(doc.namespace, doc.trigger, doc.id))?.toString();
}

/** The fire id of one tick: the controller fires a trigger once per id (header X-Wisp-Fire-Id). */
export function fireIdOf(doc: Pick<RegistrationDoc, 'id'>, tick: number): string {
  return `${doc.id}-${tick}`;
}

export const FIRE_ID_HEADER = 'x-wisp-fire-id';
