// What the embedded stores need to list "as of revision R" (a paged list's later pages): a bounded
// journal of what each recent write replaced. The state at R is the current state with every write
// after R undone, newest first. Kept in memory only: after a restart, or once R has fallen out of the
// window, a list at R is COMPACTED (410 Expired through the API), as kube-apiserver answers a
// continue token whose revision etcd has compacted.

import type { Resource, ResourceKind } from '../api/index.js';
import { byNamespaceThenName, resourceKey } from './resource-key.js';
import { StoreError } from './store-error.js';

/** Writes remembered for lists at a past revision, by default. */
export const DEFAULT_PAGING_HISTORY = 1_000;

interface Replaced {
  revision: number;
  kind: ResourceKind;
  namespace: string | undefined;
  name: string;
  /** The object before this write; undefined when the write created it. */
  before: Resource | undefined;
}

export class PastRevisions {
  private readonly keep: number;
  private journal: Replaced[] = [];
  /** Every write after this revision is in the journal. */
  private floor: number;

  constructor(currentRevision: number, keep = DEFAULT_PAGING_HISTORY) {
    this.floor = currentRevision;
    this.keep = keep;
  }

  /** Called after a write at `revision` commits (in revision order). */
  record(entry: Replaced): void {
    this.journal.push(entry);
    if (this.journal.length > this.keep + Math.max(1, Math.floor(this.keep / 10))) {
      const dropped = this.journal.splice(0, this.journal.length - this.keep);
      this.floor = (dropped[dropped.length - 1] as Replaced).revision;
    }
  }

  /**
   * `current` (one kind, optionally one namespace, as listed at `currentRevision`) as it was at
   * `at`. Throws AUTOMESH_ERR_STORE_COMPACTED when the journal no longer reaches back to `at`.
   */
  listAt(
    current: readonly Resource[],
    scope: { kind: ResourceKind; namespace: string | undefined },
    at: number,
    currentRevision: number,
  ): Resource[] {
    if (at > currentRevision) {
      throw new StoreError(
        'AUTOMESH_ERR_STORE_INVALID',
        `resource version ${at} is newer than the store's ${currentRevision}`,
      );
    }
    if (at < this.floor) {
      throw new StoreError(
        'AUTOMESH_ERR_STORE_COMPACTED',
        `too old resource version: ${at} (lists are kept from ${this.floor})`,
      );
    }
    const byKey = new Map(
      current.map((r) => [resourceKey(r.kind, r.metadata.namespace, r.metadata.name), r]),
    );
    for (let i = this.journal.length - 1; i >= 0; i--) {
      const entry = this.journal[i] as Replaced;
      if (entry.revision <= at) break;
      if (entry.kind !== scope.kind) continue;
      if (scope.namespace !== undefined && entry.namespace !== scope.namespace) continue;
      const key = resourceKey(entry.kind, entry.namespace, entry.name);
      if (entry.before === undefined) byKey.delete(key);
      else byKey.set(key, structuredClone(entry.before));
    }
    return [...byKey.values()].sort(byNamespaceThenName);
  }
}
