// Running one action over a map's items with at most `concurrency` of them in flight, and the
// map's result: every item's result and activation id in the items' order, and how many failed.
// Pure over `runItem`, which the map runner backs with blocking invokes.

export interface ItemOutcome {
  readonly activationId: string;
  readonly success: boolean;
  readonly result: unknown;
}

export interface MapResult {
  readonly results: unknown[];
  readonly activationIds: string[];
  readonly failed: number;
}

export async function gatherMap(count: number, concurrency: number, runItem: (index: number) => Promise<ItemOutcome>): Promise<MapResult> {
  const outcomes: ItemOutcome[] = new Array<ItemOutcome>(count);
  let next = 0;
  // Each worker takes the next item when its last one ends: items queue here, never refused.
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      outcomes[index] = await runItem(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return {
    results: outcomes.map((o) => o.result),
    activationIds: outcomes.map((o) => o.activationId),
    failed: outcomes.filter((o) => !o.success).length,
  };
}
