// The store contract: what the control plane needs from a durable home for resources. Every
// backend (memory, SQLite, etcd) implements it and passes test/store/compliance.ts.
//
// Model (etcd-like): one global revision counter, incremented by every write. A stored object's
// `metadata.resourceVersion` is the revision of its last change, as a decimal string. Watchers see
// every change after a revision, in revision order, with no gaps, then live changes. The embedded
// stores give each op of a batch its own revision; etcd gives the whole batch one (its transaction's).

import type { Resource, ResourceKind } from '../api/index.js';
import type { StoreError } from './store-error.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  /** The object after the change; for DELETED, its last state with resourceVersion = the deletion revision. */
  object: Resource;
  revision: number;
}

export interface ListOptions {
  /** Only this namespace; absent means every namespace (and cluster-scoped objects). */
  namespace?: string;
  /** kubectl `-l` syntax: `app=x,version!=y,env in (a,b),!legacy,tier`. */
  labelSelector?: string;
  /**
   * The list as it was at this past revision (a paged list's later pages read there, as
   * kube-apiserver's continue tokens do). Throws AUTOMESH_ERR_STORE_COMPACTED when the store no
   * longer knows that past; the answer's `revision` is then this one. Absent: the latest.
   */
  atRevision?: number;
}

export interface ListResult {
  /** Sorted by namespace, then name. */
  items: Resource[];
  /** The store revision the list reflects: watch from here to miss nothing. */
  revision: number;
}

export interface WatchOptions {
  /** Only these kinds; absent means all. */
  kinds?: readonly ResourceKind[];
  /** Only this namespace (cluster-scoped objects are then excluded). */
  namespace?: string;
  /**
   * Replay every change with revision > fromRevision, then stream live ones. Absent: live only.
   * Throws AUTOMESH_ERR_STORE_COMPACTED when that history is no longer kept.
   */
  fromRevision?: number;
  /**
   * Called at most once when the watch ends by itself: the history it must resume from was
   * compacted meanwhile (AUTOMESH_ERR_STORE_COMPACTED; list again, then watch from the list).
   * No event follows. The embedded stores never end a watch; etcd can, after a lost connection.
   */
  onError?: (err: StoreError) => void;
  /**
   * Called, in order with the events, with a revision up to which every event this watch wants has
   * been delivered, when changes it does not want (other kinds, namespaces) move past the last
   * event it got: what a Kubernetes watch bookmark carries. Never ahead of an undelivered event.
   */
  onProgress?: (revision: number) => void;
}

/** One write in an all-or-nothing batch. */
export type BatchOp =
  | { op: 'create'; resource: Resource }
  | { op: 'update'; resource: Resource }
  /** Create when missing, replace when different, leave alone when equal (kubectl apply). */
  | { op: 'apply'; resource: Resource }
  | { op: 'delete'; kind: ResourceKind; namespace: string | undefined; name: string };

export type BatchOutcome = 'created' | 'configured' | 'unchanged' | 'deleted';

export interface BatchResult {
  outcome: BatchOutcome;
  /** The stored object after the op (for 'deleted', its last state). */
  resource: Resource;
}

export type Unsubscribe = () => void;

/**
 * A durable, kind-aware home for resources.
 *
 * Guarantees every backend gives:
 * - create sets `uid`, `creationTimestamp`, `resourceVersion` and `generation: 1`; a second create
 *   of the same kind/namespace/name fails with AUTOMESH_ERR_STORE_EXISTS.
 * - update keeps `uid` and `creationTimestamp`; when the caller passes `metadata.resourceVersion`
 *   and it is not the stored one, it fails with AUTOMESH_ERR_STORE_CONFLICT (optimistic
 *   concurrency); `generation` goes up by one when anything outside `metadata` and `status`
 *   changes; an update that omits `status` keeps the stored one. Missing object:
 *   AUTOMESH_ERR_STORE_NOT_FOUND.
 * - delete of a `Namespace` also deletes every object in that namespace, in the same transaction.
 * - a write's promise resolves only once the write is durable (for persistent backends).
 * - applyBatch applies all ops or none.
 * - returned objects are copies: mutating them never changes the store.
 */
export interface ConfigStore {
  get(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined>;
  list(kind: ResourceKind, options?: ListOptions): Promise<ListResult>;
  create(resource: Resource): Promise<Resource>;
  update(resource: Resource): Promise<Resource>;
  /** Resolves to the deleted object (last state), or undefined when there was nothing to delete. */
  delete(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined>;
  applyBatch(ops: readonly BatchOp[]): Promise<BatchResult[]>;
  /** Events are delivered asynchronously (never inside the call that caused them), in revision order. */
  watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Unsubscribe;
  /**
   * The revision of the last committed write (0 for an empty store). Synchronous, so for etcd it
   * is the last one this store has seen: committed here, or delivered on its watch.
   */
  revision(): number;
  close(): Promise<void>;
}
