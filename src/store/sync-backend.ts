// What a synchronous, transactional backend (memory, SQLite) provides to SyncConfigStore, which
// holds all the write semantics once. An async backend (etcd) implements ConfigStore directly.

import type { Resource, ResourceKind } from '../api/index.js';
import type { WatchEvent } from './config-store.js';

export interface SyncBackend {
  get(kind: ResourceKind, namespace: string | undefined, name: string): Resource | undefined;
  /** Objects of one kind, optionally in one namespace, sorted by namespace then name. */
  list(kind: ResourceKind, namespace?: string): Resource[];
  /** Every object (any kind) in a namespace: what a Namespace delete cascades to. */
  listInNamespace(namespace: string): Resource[];
  put(resource: Resource): void;
  remove(kind: ResourceKind, namespace: string | undefined, name: string): void;
  appendEvent(event: WatchEvent): void;
  /** Events with revision > after, in order. */
  eventsAfter(after: number): WatchEvent[];
  /** Drops the oldest events so at most `keep` remain; history before the result is gone. */
  compact(keep: number): void;
  /** Every event with revision > compactedRevision() is still kept. */
  compactedRevision(): number;
  revision(): number;
  setRevision(revision: number): void;
  /** Runs fn atomically: every change inside is kept, or (when fn throws) none is. */
  transaction<T>(fn: () => T): T;
  close(): void;
}
