import type { KeyValue } from './parameters';

// Activation outcomes are data. statusCode follows OpenWhisk's ActivationResponse:
// 0 success, 1 application error, 2 action developer error, 3 whisk internal error.

export type ActivationStatus = 'success' | 'application error' | 'action developer error' | 'whisk internal error';
export type StatusCode = 0 | 1 | 2 | 3;

export const STATUS_BY_CODE: Readonly<Record<StatusCode, ActivationStatus>> = {
  0: 'success',
  1: 'application error',
  2: 'action developer error',
  3: 'whisk internal error',
};

/** How the container that ran an activation came to be: created for it, a stem cell, or warm (`startKind` annotation). */
export type StartKind = 'cold' | 'prewarmed' | 'warm';
export const START_KINDS: readonly StartKind[] = ['cold', 'prewarmed', 'warm'];

export interface ActivationResponse {
  readonly statusCode: StatusCode;
  readonly result?: unknown;
  readonly size?: number;
}

/** The stored form (OpenWhisk's jsonFormat13 plus `subject`). */
export interface ActivationRecord {
  readonly namespace: string;
  readonly name: string;
  readonly subject: string;
  readonly activationId: string;
  readonly start: number;
  readonly end: number;
  readonly duration?: number;
  readonly cause?: string;
  readonly response: ActivationResponse;
  readonly logs: readonly string[];
  readonly version: string;
  readonly publish: boolean;
  readonly annotations: readonly KeyValue[];
}

/** The form the API answers with (OpenWhisk's toExtendedJson). */
export interface ActivationView extends Omit<ActivationRecord, 'response' | 'end' | 'duration'> {
  readonly end?: number;
  readonly duration?: number;
  readonly response: { status: ActivationStatus; success: boolean; result?: unknown; size?: number };
}

export function toActivationView(record: ActivationRecord): ActivationView {
  const { response, end, duration, ...rest } = record;
  const view: ActivationView = {
    ...rest,
    ...(end !== 0 ? { end, duration: duration ?? end - record.start } : {}),
    response: {
      status: STATUS_BY_CODE[response.statusCode],
      success: response.statusCode === 0,
      ...(response.result !== undefined ? { result: response.result } : {}),
      ...(response.size !== undefined ? { size: response.size } : {}),
    },
  };
  return view;
}

export function errorResponse(statusCode: Exclude<StatusCode, 0>, message: unknown): ActivationResponse {
  return { statusCode, result: { error: message } };
}
