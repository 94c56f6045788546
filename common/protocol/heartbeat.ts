import type { ConsumerHealth } from '../spi/message-bus';

// Invoker → every controller, once a second over the signal bus. Three missed beats mark an
// invoker down; a consumer whose last fetch is old marks it unhealthy (DESIGN.md §7).

export const HEARTBEAT_INTERVAL_MS = 1000;

export interface Heartbeat {
  readonly v: 1;
  readonly invokerId: string;
  readonly sentAt: number;
  readonly userMemoryMb: number;
  readonly freeMemoryMb: number;
  readonly consumer: ConsumerHealth;
}

export function encodeHeartbeat(beat: Heartbeat): Buffer {
  return Buffer.from(JSON.stringify(beat));
}

export function decodeHeartbeat(raw: Buffer): Heartbeat | undefined {
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as Partial<Heartbeat>;
    if (parsed.v !== 1 || typeof parsed.invokerId !== 'string' || typeof parsed.sentAt !== 'number') return undefined;
    if (typeof parsed.freeMemoryMb !== 'number' || typeof parsed.userMemoryMb !== 'number' || typeof parsed.consumer !== 'object') return undefined;
    return parsed as Heartbeat;
  } catch {
    return undefined;
  }
}
