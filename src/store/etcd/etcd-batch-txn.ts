// The two etcd transactions of a write, as requests and answers (no I/O here): the read of every
// key a batch touches at one revision, and the commit that applies a plan only if none of them
// changed since. Also how to tell, after a commit whose answer was lost, whether it was applied.

import type { Resource } from '../../api/index.js';
import type { BatchOp } from '../config-store.js';
import { resourceKey } from '../resource-key.js';
import { NAMESPACED_KINDS, readsOf, type BatchPlan, type BatchSnapshot } from './etcd-batch-plan.js';
import { decodeResource, encodeResource } from './etcd-codec.js';
import { prefixEnd, type EtcdKeys } from './etcd-keys.js';
import type { RequestOp, TxnRequest, TxnResponse } from './etcd-rpc.js';

const keyOf = (r: { kind: Resource['kind']; namespace: string | undefined; name: string }): string =>
  resourceKey(r.kind, r.namespace, r.name);

export interface SnapshotRead {
  request: TxnRequest;
  parse: (response: TxnResponse) => BatchSnapshot;
}

/** One read-only transaction: each op's key, and each kind's range in a namespace being deleted. */
export function snapshotRead(keys: EtcdKeys, ops: readonly BatchOp[]): SnapshotRead {
  const reads = readsOf(ops);
  const success: RequestOp[] = reads.keys.map((r) => ({
    request_range: { key: keys.resource(r.kind, r.namespace, r.name) },
  }));
  for (const namespace of reads.namespaces) {
    for (const kind of NAMESPACED_KINDS) {
      const key = keys.kindPrefix(kind, namespace);
      success.push({ request_range: { key, range_end: prefixEnd(key) } });
    }
  }
  const parse = (response: TxnResponse): BatchSnapshot => {
    const ranges = response.responses.map((r) => r.response_range?.kvs ?? []);
    const objects: BatchSnapshot['objects'] = new Map();
    reads.keys.forEach((ref, i) => {
      const kv = ranges[i]?.[0];
      if (kv !== undefined)
        objects.set(keyOf(ref), { resource: decodeResource(kv), modRevision: kv.mod_revision });
    });
    const namespaceContents = new Map<string, Resource[]>();
    reads.namespaces.forEach((namespace, n) => {
      const start = reads.keys.length + n * NAMESPACED_KINDS.length;
      namespaceContents.set(
        namespace,
        ranges
          .slice(start, start + NAMESPACED_KINDS.length)
          .flat()
          .map(decodeResource),
      );
    });
    return { revision: response.header.revision, objects, namespaceContents };
  };
  return { request: { compare: [], success, failure: [] }, parse };
}

/** The commit: the plan's writes, if every key read still has the mod_revision it had. */
export function commitRequest(keys: EtcdKeys, plan: BatchPlan, snapshot: BatchSnapshot): TxnRequest {
  const compare: TxnRequest['compare'] = plan.expected.map((e) => ({
    result: 'EQUAL' as const,
    target: 'MOD' as const,
    key: keys.resource(e.kind, e.namespace, e.name),
    mod_revision: e.modRevision,
  }));
  for (const namespace of plan.unchangedNamespaces) {
    for (const kind of NAMESPACED_KINDS) {
      const key = keys.kindPrefix(kind, namespace);
      // A range compare: nothing in the namespace was created or changed after the snapshot.
      compare.push({
        result: 'LESS',
        target: 'MOD',
        key,
        range_end: prefixEnd(key),
        mod_revision: snapshot.revision + 1,
      });
    }
  }
  const success: RequestOp[] = plan.writes.map((w) => {
    const key = keys.resource(w.kind, w.namespace, w.name);
    return w.resource === undefined
      ? { request_delete_range: { key } }
      : { request_put: { key, value: Buffer.from(encodeResource(w.resource)) } };
  });
  return { compare, success, failure: [] };
}

/**
 * The revision a commit whose answer was lost was applied at, when a later snapshot (of the same
 * ops) shows exactly what it wrote; undefined when it shows otherwise. Values carry a fresh uid or
 * the batch's own content, so "the same bytes" means "this write".
 */
export function landedAt(plan: BatchPlan, snapshot: BatchSnapshot): number | undefined {
  const present = new Set(snapshot.objects.keys());
  for (const members of snapshot.namespaceContents.values())
    for (const r of members)
      present.add(keyOf({ kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name }));
  let revision: number | undefined;
  for (const w of plan.writes) {
    const key = keyOf(w);
    if (w.resource === undefined) {
      if (present.has(key)) return undefined;
      continue;
    }
    const found = snapshot.objects.get(key);
    if (found === undefined || encodeResource(found.resource) !== encodeResource(w.resource))
      return undefined;
    revision = found.modRevision;
  }
  // Deletes alone leave no revision behind: the snapshot's is the closest known bound.
  return revision ?? snapshot.revision;
}
