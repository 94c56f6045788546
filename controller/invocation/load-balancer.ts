import { createHash } from 'node:crypto';
import { Messages } from '../../common/errors/messages';
import { PlatformError } from '../../common/errors/platform-error';
import type { InvokerView } from './invoker-registry';

// Home invoker by hash of namespace + action, probing onward for a healthy one with free
// memory; when all healthy ones are busy the work queues on the first healthy invoker in probe
// order (never 503 for load). 503 only when no invoker is healthy (DESIGN.md §3, §4).

export function homeIndex(namespace: string, action: string, count: number): number {
  const digest = createHash('sha1').update(namespace).update('/').update(action).digest();
  return digest.readUInt32BE(0) % count;
}

export class LoadBalancer {
  /** Memory this controller has sent to each invoker and not yet heard back about. */
  private readonly reserved = new Map<string, number>();

  constructor(private readonly invokers: () => InvokerView[]) {}

  choose(namespace: string, action: string, memoryMb: number): string {
    const all = this.invokers();
    if (all.length === 0) throw noInvokers();
    const home = homeIndex(namespace, action, all.length);
    let firstHealthy: string | undefined;
    for (let step = 0; step < all.length; step++) {
      const candidate = all[(home + step) % all.length]!;
      if (candidate.state !== 'up') continue;
      firstHealthy ??= candidate.invokerId;
      const free = candidate.freeMemoryMb - (this.reserved.get(candidate.invokerId) ?? 0);
      if (free >= memoryMb) return candidate.invokerId;
    }
    if (firstHealthy) return firstHealthy;
    throw noInvokers();
  }

  reserve(invokerId: string, memoryMb: number): void {
    this.reserved.set(invokerId, (this.reserved.get(invokerId) ?? 0) + memoryMb);
  }

  release(invokerId: string, memoryMb: number): void {
    const left = (this.reserved.get(invokerId) ?? 0) - memoryMb;
    if (left > 0) this.reserved.set(invokerId, left);
    else this.reserved.delete(invokerId);
  }
}

function noInvokers(): PlatformError {
  return new PlatformError('SERVICE_UNAVAILABLE', Messages.noInvokers);
}
