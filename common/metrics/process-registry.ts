import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per process (standalone's controller and invoker share it), with node's own figures (RSS, heap, event loop lag). */
export function createProcessRegistry(labels: Record<string, string>): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}
