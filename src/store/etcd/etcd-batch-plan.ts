// The pure half of an etcd write: given a consistent snapshot of every key a batch touches, run the
// ops in order over an overlay (as SyncConfigStore does over its transaction) and say what one etcd
// transaction must compare and write. No I/O here. The revision of the write is not known until it
// commits, so stored values carry no resourceVersion (it is the key's mod_revision, as in
// kube-apiserver) and results are stamped afterwards.

import type { Resource, ResourceKind } from '../../api/index.js';
import { KINDS } from '../../api/index.js';
import type { BatchOp, BatchResult } from '../config-store.js';
import { describeRef, refOf, resourceKey } from '../resource-key.js';
import {
  checkResourceVersion,
  isUnchanged,
  mergeUpdate,
  stampCreate,
  stampDelete,
  stampUpdate,
} from '../resource-writes.js';
import { StoreError } from '../store-error.js';

export interface SnapshotObject {
  resource: Resource;
  modRevision: number;
}

/** What the read half found, at one etcd revision. */
export interface BatchSnapshot {
  revision: number;
  /** By resourceKey(); absent: the key did not exist at `revision`. */
  objects: Map<string, SnapshotObject>;
  /** For each namespace a batch deletes: every object in it at `revision`. */
  namespaceContents: Map<string, Resource[]>;
}

/** What the read half must fetch. */
export interface BatchReads {
  keys: { kind: ResourceKind; namespace: string | undefined; name: string }[];
  namespaces: string[];
}

export interface BatchWrite {
  kind: ResourceKind;
  namespace: string | undefined;
  name: string;
  /** The object to store; undefined: delete the key. */
  resource: Resource | undefined;
}

export interface BatchPlan {
  results: BatchResult[];
  writes: BatchWrite[];
  /** Keys read with their mod_revision then (0: absent); the commit compares each. */
  expected: { kind: ResourceKind; namespace: string | undefined; name: string; modRevision: number }[];
  /** Namespaces whose whole content must be unchanged since the snapshot (a cascade). */
  unchangedNamespaces: string[];
}

export interface PlanContext {
  now: string;
  newUid: () => string;
}

/** Every namespaced kind: where a Namespace delete must look. */
export const NAMESPACED_KINDS: readonly ResourceKind[] = KINDS.filter((k) => k.namespaced).map((k) => k.kind);

const refKey = (r: { kind: ResourceKind; namespace: string | undefined; name: string }): string =>
  resourceKey(r.kind, r.namespace, r.name);

export function readsOf(ops: readonly BatchOp[]): BatchReads {
  const keys = new Map<string, BatchReads['keys'][number]>();
  const namespaces = new Set<string>();
  for (const op of ops) {
    const ref =
      op.op === 'delete'
        ? { kind: op.kind, namespace: op.namespace, name: op.name }
        : {
            kind: op.resource.kind,
            namespace: op.resource.metadata?.namespace,
            name: op.resource.metadata?.name,
          };
    if (typeof ref.name !== 'string' || ref.name === '') continue;
    keys.set(refKey(ref), ref);
    if (op.op === 'delete' && op.kind === 'Namespace') namespaces.add(op.name);
  }
  return { keys: [...keys.values()], namespaces: [...namespaces] };
}

/** Runs the ops over the snapshot; throws the StoreError the first failing op gives. */
export function planBatch(ops: readonly BatchOp[], snapshot: BatchSnapshot, ctx: PlanContext): BatchPlan {
  const overlay = new Map<string, Resource | undefined>();
  const refs = new Map<string, { kind: ResourceKind; namespace: string | undefined; name: string }>();
  // Everything the snapshot holds: the ops' own keys and the content of namespaces being deleted.
  const known = new Map<string, Resource>();
  for (const members of snapshot.namespaceContents.values())
    for (const r of members) known.set(refKey(refOf(r)), r);
  for (const [key, found] of snapshot.objects) known.set(key, found.resource);
  const current = (ref: { kind: ResourceKind; namespace: string | undefined; name: string }) => {
    const key = refKey(ref);
    return overlay.has(key) ? overlay.get(key) : known.get(key);
  };
  const set = (
    ref: { kind: ResourceKind; namespace: string | undefined; name: string },
    value?: Resource,
  ) => {
    const key = refKey(ref);
    overlay.set(key, value);
    refs.set(key, { kind: ref.kind, namespace: ref.namespace, name: ref.name });
  };

  const create = (resource: Resource): BatchResult => {
    if (current(refOf(resource)) !== undefined) {
      throw new StoreError('AUTOMESH_ERR_STORE_EXISTS', `${describeRef(refOf(resource))} already exists`);
    }
    const stored = stampCreate(resource, { revision: 0, now: ctx.now, newUid: ctx.newUid });
    set(refOf(stored), stored);
    return { outcome: 'created', resource: stored };
  };
  const update = (resource: Resource, checkVersion: boolean): BatchResult => {
    const existing = current(refOf(resource));
    if (existing === undefined) {
      throw new StoreError('AUTOMESH_ERR_STORE_NOT_FOUND', `${describeRef(refOf(resource))} not found`);
    }
    if (checkVersion) checkResourceVersion(existing, resource);
    const merged = mergeUpdate(existing, resource);
    if (isUnchanged(existing, merged)) return { outcome: 'unchanged', resource: structuredClone(existing) };
    const stored = stampUpdate(existing, merged, 0);
    set(refOf(stored), stored);
    return { outcome: 'configured', resource: stored };
  };
  const remove = (ref: { kind: ResourceKind; namespace: string | undefined; name: string }): BatchResult => {
    const existing = current(ref);
    if (existing === undefined) {
      throw new StoreError('AUTOMESH_ERR_STORE_NOT_FOUND', `${describeRef(ref)} not found`);
    }
    if (ref.kind === 'Namespace') {
      for (const inner of namespaceMembers(ref.name))
        if (current(refOf(inner)) !== undefined) set(refOf(inner));
    }
    set(ref);
    return { outcome: 'deleted', resource: stampDelete(existing, 0) };
  };
  // What the namespace holds now: the snapshot's content plus what earlier ops of this batch made.
  const namespaceMembers = (namespace: string): Resource[] => {
    const found = new Map<string, Resource>();
    for (const r of snapshot.namespaceContents.get(namespace) ?? []) found.set(refKey(refOf(r)), r);
    for (const [key, value] of overlay) if (value?.metadata.namespace === namespace) found.set(key, value);
    return [...found.values()];
  };

  const results = ops.map((op): BatchResult => {
    switch (op.op) {
      case 'create':
        return create(op.resource);
      case 'update':
        return update(op.resource, true);
      case 'apply':
        return current(refOf(op.resource)) === undefined ? create(op.resource) : update(op.resource, false);
      case 'delete':
        return remove({ kind: op.kind, namespace: op.namespace, name: op.name });
    }
  });

  const writes: BatchWrite[] = [];
  for (const [key, value] of overlay) {
    // Made and removed within the batch: nothing for etcd to do.
    if (value === undefined && !known.has(key)) continue;
    const ref = refs.get(key) as BatchWrite;
    writes.push({ kind: ref.kind, namespace: ref.namespace, name: ref.name, resource: value });
  }
  const expected = readsOf(ops).keys.map((ref) => ({
    ...ref,
    modRevision: snapshot.objects.get(refKey(ref))?.modRevision ?? 0,
  }));
  return { results, writes, expected, unchangedNamespaces: readsOf(ops).namespaces };
}

/** After the commit: every object the batch wrote or deleted carries the write's revision. */
export function stampRevision(plan: BatchPlan, revision: number): BatchResult[] {
  return plan.results.map((r) => {
    if (r.outcome === 'unchanged') return r;
    const resource = structuredClone(r.resource);
    resource.metadata.resourceVersion = String(revision);
    return { outcome: r.outcome, resource };
  });
}
