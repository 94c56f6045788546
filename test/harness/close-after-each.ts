/** What a contract test opens and must not leave open: stores, buses, locks. */
export interface Closable {
  close(): Promise<void>;
}

export interface ClosedAfterEach<T extends Closable> {
  /** Closes `item` after the current test (in the order added); answers it. */
  add(item: T): T;
  /** For an item the test closed itself (a restart): not closed again. */
  forget(item: T): void;
}

/** Registers an afterEach that closes what each test added. */
export function closeAfterEach<T extends Closable>(): ClosedAfterEach<T> {
  const open: T[] = [];
  afterEach(async () => {
    for (const item of open.splice(0)) await item.close();
  });
  return {
    add: (item) => {
      open.push(item);
      return item;
    },
    forget: (item) => {
      const at = open.indexOf(item);
      if (at >= 0) open.splice(at, 1);
    },
  };
}
