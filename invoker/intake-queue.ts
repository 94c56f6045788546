// The bounded hand-off between the message bus handler and the workers, with the
// backpressure decision beside it: fetching pauses when the queue reaches its capacity and
// resumes once it has drained to the low-water mark (hysteresis, so a queue hovering at the
// limit does not flap the consumer). Messages already fetched when the pause lands are still
// accepted — dropping them would lose them — so capacity is the pause threshold, and the queue
// may briefly exceed it by what one fetch had delivered.

export type FlowSignal = 'pause' | 'resume' | 'none';

export class IntakeQueue<T> {
  private readonly items: T[] = [];
  private paused = false;
  readonly lowWater: number;

  constructor(readonly capacity: number) {
    this.lowWater = Math.floor(capacity / 2);
  }

  get length(): number {
    return this.items.length;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  push(item: T): FlowSignal {
    this.items.push(item);
    if (!this.paused && this.items.length >= this.capacity) {
      this.paused = true;
      return 'pause';
    }
    return 'none';
  }

  /** Takes the oldest item; the signal says whether fetching may resume. */
  shift(): { item: T | undefined; signal: FlowSignal } {
    const item = this.items.shift();
    if (this.paused && this.items.length <= this.lowWater) {
      this.paused = false;
      return { item, signal: 'resume' };
    }
    return { item, signal: 'none' };
  }

  /** Empties the queue (shutdown): the items were never started, so their messages will be redelivered. */
  clear(): T[] {
    return this.items.splice(0, this.items.length);
  }
}
