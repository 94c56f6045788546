import type { ActionDoc } from '../../common/entities/action';
import type { ActivationRecord, ActivationResponse } from '../../common/entities/activation';
import type { Identity } from '../../common/entities/identity';
import type { ActionLimits } from '../../common/entities/limits';
import type { KeyValue } from '../../common/entities/parameters';

// The pure parts of running a sequence (CTL/actions/SequenceActions.scala): what the next
// component receives, and the sequence's own activation record, which the controller writes
// because no invoker ever runs a sequence.

/** A component's result feeds the next one when it is an object or an array; anything else is `{}`. */
export function nextInput(result: unknown): Record<string, unknown> | unknown[] {
  if (Array.isArray(result)) return result;
  if (typeof result === 'object' && result !== null) return result as Record<string, unknown>;
  return {};
}

export interface SequenceRecordInput {
  readonly activationId: string;
  readonly identity: Identity;
  readonly sequence: ActionDoc;
  /** `ns` or `ns/pkg` where the sequence lives, and its name. */
  readonly actionNamespace: string;
  readonly actionName: string;
  /** The enclosing sequence's activation id, for a nested sequence. */
  readonly cause?: string;
  readonly binding?: string;
  /** `ns/trigger` when a rule of that trigger invoked the sequence. */
  readonly trigger?: string;
  readonly start: number;
  readonly end: number;
  /** Sum of the components' durations (OpenWhisk's accounting), not end − start. */
  readonly duration: number;
  /** The last component's response: the sequence ends with its status and result. */
  readonly response: ActivationResponse;
  /** Component activation ids, in the order they ran. */
  readonly componentIds: readonly string[];
  /** The largest memory limit among the components that ran. */
  readonly maxMemoryMb: number;
  readonly waitTime: number;
  /** A conductor action's composition: OpenWhisk marks its record `conductor: true`. */
  readonly conductor?: boolean;
}

export function sequenceRecord(input: SequenceRecordInput): ActivationRecord {
  const { sequence } = input;
  const limits: ActionLimits = { ...sequence.limits, memory: input.maxMemoryMb };
  const annotations: KeyValue[] = [
    { key: 'topmost', value: input.cause === undefined },
    { key: 'path', value: `${input.actionNamespace}/${input.actionName}` },
    { key: 'kind', value: 'sequence' },
    ...(input.conductor ? [{ key: 'conductor', value: true }] : []),
    { key: 'waitTime', value: input.waitTime },
    { key: 'limits', value: limits },
  ];
  if (input.binding) annotations.push({ key: 'binding', value: input.binding });
  if (input.trigger !== undefined) annotations.push({ key: 'trigger', value: input.trigger });
  if (input.cause !== undefined) annotations.push({ key: 'causedBy', value: 'sequence' });
  return {
    namespace: input.identity.namespace,
    name: input.actionName,
    subject: input.identity.subject,
    activationId: input.activationId,
    start: input.start,
    end: input.end,
    duration: input.duration,
    ...(input.cause !== undefined ? { cause: input.cause } : {}),
    response: input.response,
    logs: [...input.componentIds],
    version: sequence.version,
    publish: false,
    annotations,
  };
}
