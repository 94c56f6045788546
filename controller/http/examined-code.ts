// What the JSON parse worker already found out about a large upload's `exec.code` (whether it is
// base64, and its decoded bytes), so the main thread does not scan and decode 64 MB again: the
// base64 test alone held the event loop ~280 ms a pass for a 48 MB zip. Keyed by the parsed `exec`
// object, which only the worker's reply creates.

export interface ExaminedCode {
  readonly binary: boolean;
  /** The decoded archive, when binary. */
  readonly bytes?: Buffer;
}

const findings = new WeakMap<object, ExaminedCode>();

export function noteExaminedCode(exec: object, found: ExaminedCode): void {
  findings.set(exec, found);
}

export function examinedCodeOf(exec: object): ExaminedCode | undefined {
  return findings.get(exec);
}
