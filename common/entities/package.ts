import type { KeyValue } from './parameters';

// The stored form of a package or a package binding (OpenWhisk's WhiskPackage). A binding names
// the package it refers to; a real package has none. Actions inside a package are stored in the
// package's namespace under the key `pkg/name`, with `namespace` = `ns/pkg` in their document.

export interface PackageBinding {
  readonly namespace: string;
  readonly name: string;
}

export interface PackageDoc {
  readonly entityType: 'package';
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  readonly publish: boolean;
  /** Absent on a real package. */
  readonly binding?: PackageBinding;
  readonly parameters: readonly KeyValue[];
  readonly annotations: readonly KeyValue[];
  readonly updated: number;
}

/** The package a binding refers to; undefined for a real package (`binding` absent, or `{}` as OpenWhisk stores it). */
export function boundPackage(doc: Pick<PackageDoc, 'binding'>): PackageBinding | undefined {
  const binding = doc.binding;
  return binding && typeof binding.namespace === 'string' && typeof binding.name === 'string' ? binding : undefined;
}

/** `default` names the implicit package of every namespace (web action URLs use it). */
export const RESERVED_PACKAGE_NAMES: readonly string[] = ['default'];

/** The annotation the controller sets on a binding, for clients that see only list summaries. */
export const BINDING_ANNOTATION = 'binding';

/** Marks an action in a package as a feed: package GETs list it under `feeds`. */
export const FEED_ANNOTATION = 'feed';

/**
 * `top` over `base`, by key: a key in both takes top's entry at base's position; new keys follow.
 * This is how package, binding, action and payload parameters stack at invoke time.
 */
export function overlayParameters(base: readonly KeyValue[], top: readonly KeyValue[]): KeyValue[] {
  const merged = new Map<string, KeyValue>();
  for (const entry of base) merged.set(entry.key, entry);
  for (const entry of top) merged.set(entry.key, entry);
  return [...merged.values()];
}
