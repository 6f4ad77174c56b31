// Pure write semantics shared by every backend: how server-maintained metadata is stamped, when a
// write is a no-op, when generation moves. No I/O here; backends call these inside a transaction.

import type { Resource } from '../api/index.js';
import { StoreError } from './store-error.js';
import { describeRef, refOf } from './resource-key.js';

/** Fields of metadata the server owns; a client's values for them are ignored (or checked). */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp'] as const;

export interface WriteContext {
  revision: number;
  /** RFC 3339 timestamp, second precision (Kubernetes style). */
  now: string;
  newUid: () => string;
}

/** JSON with object keys sorted, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const record = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, record[k]]),
    );
  });
}

function withoutServerMetadata(resource: Resource): unknown {
  const copy = structuredClone(resource) as unknown as { metadata: Record<string, unknown> };
  for (const field of SERVER_METADATA) delete copy.metadata[field];
  return copy;
}

/** Everything but metadata and status: what `generation` tracks. */
function specPart(resource: Resource): unknown {
  const { metadata: _m, ...rest } = resource as unknown as Record<string, unknown>;
  delete rest.status;
  return rest;
}

export function assertWritable(resource: Resource): void {
  const name: unknown = resource?.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    throw new StoreError(
      'AUTOMESH_ERR_STORE_INVALID',
      `${String(resource?.kind)}: metadata.name is required`,
    );
  }
}

export function stampCreate(resource: Resource, ctx: WriteContext): Resource {
  assertWritable(resource);
  const stored = structuredClone(resource);
  stored.metadata.uid = ctx.newUid();
  stored.metadata.creationTimestamp = ctx.now;
  stored.metadata.generation = 1;
  stored.metadata.resourceVersion = String(ctx.revision);
  return stored;
}

/** The object an update would store, before its revision is known: existing identity, kept status. */
export function mergeUpdate(existing: Resource, incoming: Resource): Resource {
  assertWritable(incoming);
  const merged = structuredClone(incoming) as Resource & { status?: unknown };
  const old = existing as Resource & { status?: unknown };
  if (merged.status === undefined && old.status !== undefined) merged.status = structuredClone(old.status);
  merged.metadata.uid = existing.metadata.uid;
  merged.metadata.creationTimestamp = existing.metadata.creationTimestamp;
  merged.metadata.generation = existing.metadata.generation;
  merged.metadata.resourceVersion = existing.metadata.resourceVersion;
  return merged;
}

export function isUnchanged(existing: Resource, merged: Resource): boolean {
  return canonicalJson(withoutServerMetadata(existing)) === canonicalJson(withoutServerMetadata(merged));
}

export function stampUpdate(existing: Resource, merged: Resource, revision: number): Resource {
  const specChanged = canonicalJson(specPart(existing)) !== canonicalJson(specPart(merged));
  const stored = structuredClone(merged);
  stored.metadata.generation = (existing.metadata.generation ?? 1) + (specChanged ? 1 : 0);
  stored.metadata.resourceVersion = String(revision);
  return stored;
}

export function checkResourceVersion(existing: Resource, incoming: Resource): void {
  const wanted = incoming.metadata.resourceVersion;
  if (wanted !== undefined && wanted !== '' && wanted !== existing.metadata.resourceVersion) {
    throw new StoreError(
      'AUTOMESH_ERR_STORE_CONFLICT',
      `Operation cannot be fulfilled on ${describeRef(refOf(incoming))}: the object has been modified; ` +
        `please apply your changes to the latest version (resourceVersion ${wanted} is not ${existing.metadata.resourceVersion})`,
    );
  }
}

export function stampDelete(existing: Resource, revision: number): Resource {
  const last = structuredClone(existing);
  last.metadata.resourceVersion = String(revision);
  return last;
}

/** Second-precision RFC 3339, as Kubernetes writes creationTimestamp. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What `apply` of `incoming` would do given the stored object: for dry runs and previews. */
export function applyOutcome(
  existing: Resource | undefined,
  incoming: Resource,
): 'created' | 'configured' | 'unchanged' {
  if (existing === undefined) return 'created';
  return isUnchanged(existing, mergeUpdate(existing, incoming)) ? 'unchanged' : 'configured';
}
