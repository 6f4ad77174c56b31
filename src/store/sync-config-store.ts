// ConfigStore over a synchronous transactional backend: every write runs in one backend
// transaction (state, revision and event log together), then its events are published.

import { randomUUID } from 'node:crypto';
import type { Resource, ResourceKind } from '../api/index.js';
import type {
  BatchOp,
  BatchResult,
  ConfigStore,
  ListOptions,
  ListResult,
  Unsubscribe,
  WatchEvent,
  WatchOptions,
} from './config-store.js';
import { matchesLabelSelector, parseLabelSelector } from './label-selector.js';
import { DEFAULT_PAGING_HISTORY, PastRevisions } from './past-revisions.js';
import { describeRef, refOf } from './resource-key.js';
import {
  checkResourceVersion,
  isUnchanged,
  mergeUpdate,
  rfc3339,
  stampCreate,
  stampDelete,
  stampUpdate,
} from './resource-writes.js';
import { StoreError } from './store-error.js';
import type { SyncBackend } from './sync-backend.js';
import { WatchHub } from './watch-hub.js';

/** How many past events are kept for watch replay, at least. */
export const DEFAULT_EVENT_HISTORY = 10_000;

export interface SyncConfigStoreOptions {
  now?: () => Date;
  newUid?: () => string;
  /** Events kept for replay; older ones are compacted away (watch from before them: COMPACTED). */
  eventHistory?: number;
  /** Writes remembered in memory so that a list can read at a recent past revision (paging). */
  pagingHistory?: number;
  /** Called when a watcher's callback throws. */
  onWatcherError?: (err: unknown) => void;
}

interface TxState {
  events: WatchEvent[];
  /** Per event, the object it replaced (undefined for a create). */
  before: Array<Resource | undefined>;
}

export class SyncConfigStore implements ConfigStore {
  private readonly backend: SyncBackend;
  private readonly hub: WatchHub;
  private readonly now: () => Date;
  private readonly newUid: () => string;
  private readonly eventHistory: number;
  private readonly past: PastRevisions;
  private closed = false;

  constructor(backend: SyncBackend, options: SyncConfigStoreOptions = {}) {
    this.backend = backend;
    this.now = options.now ?? (() => new Date());
    this.newUid = options.newUid ?? randomUUID;
    this.eventHistory = options.eventHistory ?? DEFAULT_EVENT_HISTORY;
    // Never further back than the watch history: etcd cannot read a compacted revision either.
    this.past = new PastRevisions(
      backend.revision(),
      options.pagingHistory ?? Math.min(this.eventHistory, DEFAULT_PAGING_HISTORY),
    );
    this.hub = new WatchHub(options.onWatcherError ?? ((err) => process.emitWarning(String(err))));
  }

  get(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined> {
    return this.run(() => this.backend.get(kind, namespace, name));
  }

  list(kind: ResourceKind, options: ListOptions = {}): Promise<ListResult> {
    return this.run(() => {
      const parsed = parseLabelSelector(options.labelSelector ?? '');
      if (!parsed.ok) throw new StoreError('AUTOMESH_ERR_STORE_INVALID', parsed.message);
      return this.backend.transaction(() => {
        const revision = this.backend.revision();
        const at = options.atRevision ?? revision;
        const current = this.backend.list(kind, options.namespace);
        const scope = { kind, namespace: options.namespace };
        const items = at === revision ? current : this.past.listAt(current, scope, at, revision);
        return {
          items: items.filter((r) => matchesLabelSelector(r.metadata.labels, parsed.requirements)),
          revision: at,
        };
      });
    });
  }

  async create(resource: Resource): Promise<Resource> {
    const [result] = await this.applyBatch([{ op: 'create', resource }]);
    return (result as BatchResult).resource;
  }

  async update(resource: Resource): Promise<Resource> {
    const [result] = await this.applyBatch([{ op: 'update', resource }]);
    return (result as BatchResult).resource;
  }

  delete(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined> {
    return this.run(() => {
      if (this.backend.get(kind, namespace, name) === undefined) return undefined;
      return this.write([{ op: 'delete', kind, namespace, name }])[0]?.resource;
    });
  }

  applyBatch(ops: readonly BatchOp[]): Promise<BatchResult[]> {
    return this.run(() => this.write(ops));
  }

  watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Unsubscribe {
    this.assertOpen();
    let replay: WatchEvent[] = [];
    if (options.fromRevision !== undefined) {
      const compacted = this.backend.compactedRevision();
      if (options.fromRevision < compacted) {
        throw new StoreError(
          'AUTOMESH_ERR_STORE_COMPACTED',
          `too old resource version: ${options.fromRevision} (oldest kept is ${compacted})`,
        );
      }
      replay = this.backend.eventsAfter(options.fromRevision);
    }
    return this.hub.add(options, replay, this.backend.revision(), onEvent);
  }

  revision(): number {
    return this.backend.revision();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.hub.closeAll();
      this.backend.close();
    }
    return Promise.resolve();
  }

  private run<T>(fn: () => T): Promise<T> {
    try {
      this.assertOpen();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('AUTOMESH_ERR_STORE_CLOSED', 'the store is closed');
  }

  /** Runs all ops in one transaction; publishes their events only after it commits. */
  private write(ops: readonly BatchOp[]): BatchResult[] {
    const tx: TxState = { events: [], before: [] };
    const results = this.backend.transaction(() => {
      const out = ops.map((op) => this.execute(op, tx));
      if (tx.events.length > 0) this.backend.compact(this.eventHistory);
      return out;
    });
    tx.events.forEach((event, i) => {
      const { kind, metadata } = event.object;
      this.past.record({
        revision: event.revision,
        kind,
        namespace: metadata.namespace,
        name: metadata.name,
        before: tx.before[i],
      });
    });
    this.hub.publish(tx.events);
    return results;
  }

  private execute(op: BatchOp, tx: TxState): BatchResult {
    switch (op.op) {
      case 'create':
        return this.doCreate(op.resource, tx);
      case 'update':
        return this.doUpdate(op.resource, tx, true);
      case 'apply':
        return this.backend.get(
          op.resource.kind,
          op.resource.metadata?.namespace,
          op.resource.metadata?.name,
        ) === undefined
          ? this.doCreate(op.resource, tx)
          : this.doUpdate(op.resource, tx, false);
      case 'delete':
        return this.doDelete(op.kind, op.namespace, op.name, tx);
    }
  }

  private nextRevision(): number {
    const revision = this.backend.revision() + 1;
    this.backend.setRevision(revision);
    return revision;
  }

  private record(
    type: WatchEvent['type'],
    object: Resource,
    before: Resource | undefined,
    tx: TxState,
  ): void {
    const event: WatchEvent = { type, object, revision: Number(object.metadata.resourceVersion) };
    this.backend.appendEvent(event);
    tx.events.push(event);
    tx.before.push(before);
  }

  private doCreate(resource: Resource, tx: TxState): BatchResult {
    const existing = this.backend.get(resource.kind, resource.metadata?.namespace, resource.metadata?.name);
    if (existing !== undefined) {
      throw new StoreError('AUTOMESH_ERR_STORE_EXISTS', `${describeRef(refOf(resource))} already exists`);
    }
    const stored = stampCreate(resource, {
      revision: this.nextRevision(),
      now: rfc3339(this.now()),
      newUid: this.newUid,
    });
    this.backend.put(stored);
    this.record('ADDED', stored, undefined, tx);
    return { outcome: 'created', resource: stored };
  }

  private doUpdate(resource: Resource, tx: TxState, checkVersion: boolean): BatchResult {
    const existing = this.backend.get(resource.kind, resource.metadata?.namespace, resource.metadata?.name);
    if (existing === undefined) {
      throw new StoreError('AUTOMESH_ERR_STORE_NOT_FOUND', `${describeRef(refOf(resource))} not found`);
    }
    if (checkVersion) checkResourceVersion(existing, resource);
    const merged = mergeUpdate(existing, resource);
    if (isUnchanged(existing, merged)) return { outcome: 'unchanged', resource: existing };
    const stored = stampUpdate(existing, merged, this.nextRevision());
    this.backend.put(stored);
    this.record('MODIFIED', stored, existing, tx);
    return { outcome: 'configured', resource: stored };
  }

  private doDelete(
    kind: ResourceKind,
    namespace: string | undefined,
    name: string,
    tx: TxState,
  ): BatchResult {
    const existing = this.backend.get(kind, namespace, name);
    if (existing === undefined) {
      throw new StoreError(
        'AUTOMESH_ERR_STORE_NOT_FOUND',
        `${describeRef({ kind, namespace, name })} not found`,
      );
    }
    if (kind === 'Namespace') {
      for (const inner of this.backend.listInNamespace(name)) this.removeOne(inner, tx);
    }
    return { outcome: 'deleted', resource: this.removeOne(existing, tx) };
  }

  private removeOne(existing: Resource, tx: TxState): Resource {
    const last = stampDelete(existing, this.nextRevision());
    this.backend.remove(existing.kind, existing.metadata.namespace, existing.metadata.name);
    this.record('DELETED', last, existing, tx);
    return last;
  }
}
