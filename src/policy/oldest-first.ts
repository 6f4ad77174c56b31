// "Oldest wins" ordering used by every policy level: creationTimestamp ascending, then
// namespace/name, so that the winner is the same on every control plane and every run.
import type { ObjectMeta } from '../api/index.js';

/** Compare two objects for "oldest first"; objects without a timestamp count as oldest. */
export function compareOldestFirst(a: { metadata: ObjectMeta }, b: { metadata: ObjectMeta }): number {
  const ta = timestampOf(a.metadata);
  const tb = timestampOf(b.metadata);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Sorts a copy oldest first. */
export function oldestFirst<T extends { metadata: ObjectMeta }>(items: readonly T[]): T[] {
  return [...items].sort(compareOldestFirst);
}

function timestampOf(meta: ObjectMeta): number {
  if (meta.creationTimestamp === undefined) return Number.NEGATIVE_INFINITY;
  const ms = Date.parse(meta.creationTimestamp);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

/** `ns/name` of an object, for reasons and keys. */
export function refOf(meta: ObjectMeta): string {
  return meta.namespace === undefined ? meta.name : `${meta.namespace}/${meta.name}`;
}
