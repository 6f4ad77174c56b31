// ConfigStore on etcd (v3 API, 3.4), mapped as kube-apiserver maps its storage onto etcd:
// - an object's resourceVersion is its key's mod_revision (stored values carry none);
// - a write is one etcd transaction: read every key it touches at one revision, run the ops over
//   that snapshot (etcd-batch-plan.ts), then commit comparing each key's mod_revision with the one
//   read (0 for "absent": create). Losing the comparison means another writer got in between: read
//   again and re-run, so a stale resourceVersion still fails CONFLICT and a create still fails
//   EXISTS. A Namespace delete also compares that nothing in the namespace changed, and deletes its
//   content in the same transaction. Every object a batch writes shares the batch's revision.
// - list answers the read's header revision; watch from N is an etcd watch from N + 1 with previous
//   values, which etcd delivers exactly once and in order; a compacted N answers COMPACTED.
//
// `revision()` is synchronous, so it is what this store has seen, not etcd's latest: the highest
// revision it committed or delivered on a watch (0 before any). Both are revisions of this
// prefix's objects, so a watcher of the whole store reaches it (what `apply --wait` waits for).

import { randomUUID } from 'node:crypto';
import type { Resource, ResourceKind } from '../../api/index.js';
import type { Logger } from '../../log/index.js';
import { silentLogger } from '../../log/index.js';
import type {
  BatchOp,
  BatchResult,
  ConfigStore,
  ListOptions,
  ListResult,
  Unsubscribe,
  WatchEvent,
  WatchOptions,
} from '../config-store.js';
import { matchesLabelSelector, parseLabelSelector } from '../label-selector.js';
import { rfc3339 } from '../resource-writes.js';
import { StoreError } from '../store-error.js';
import { planBatch, stampRevision, type BatchPlan, type BatchSnapshot } from './etcd-batch-plan.js';
import { commitRequest, landedAt, snapshotRead } from './etcd-batch-txn.js';
import { decodeResource, eventOf } from './etcd-codec.js';
import { byNamespaceThenName } from '../resource-key.js';
import { DEFAULT_COMPACTION_INTERVAL_MS, EtcdCompactor, compactTo } from './etcd-compactor.js';
import { parseEtcdUrl, resolveEndpoints, type EtcdEndpoint } from './etcd-endpoints.js';
import { briefCause, isOutcomeUnknown, storeErrorOf } from './etcd-errors.js';
import { DEFAULT_ETCD_PREFIX, EtcdKeys, prefixEnd } from './etcd-keys.js';
import { retryWhileUnavailable } from './etcd-retry.js';
import { EtcdRpc } from './etcd-rpc.js';
import { EtcdSecretSlot } from './etcd-secret-slot.js';
import { EtcdWatchFeed } from './etcd-watch-feed.js';
import { EtcdWatcher } from './etcd-watcher.js';

export interface EtcdConfigStoreOptions {
  /** The members: `etcd://HOST:PORT[,HOST:PORT...]`, or parsed. */
  endpoints: string | readonly EtcdEndpoint[];
  /** Every key lives under it; default `/automesh`. Stores with different prefixes share nothing. */
  prefix?: string;
  /** How long `connect` waits for a first answer. Default 5 s. */
  connectTimeoutMs?: number;
  /** Deadline of each etcd call. Default 10 s. */
  callTimeoutMs?: number;
  /** Periodic compaction, coordinated across replicas; 0 turns it off. Default 5 min. */
  compactionIntervalMs?: number;
  /**
   * Also compact after a write once more than about this many revisions are kept (not coordinated:
   * each store does it for its own writes). Off by default; for small setups and tests.
   */
  eventHistory?: number;
  now?: () => Date;
  newUid?: () => string;
  onWatcherError?: (err: unknown) => void;
  logger?: Logger;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_CALL_TIMEOUT_MS = 10_000;
/** Lost races in a row before a write gives up: only a hot key under many writers gets there. */
const MAX_WRITE_ATTEMPTS = 8;

export class EtcdConfigStore implements ConfigStore {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  private readonly rpc: EtcdRpc;
  private readonly keys: EtcdKeys;
  private readonly options: EtcdConfigStoreOptions;
  private readonly callTimeoutMs: number;
  private readonly logger: Logger;
  private readonly onWatcherError: (err: unknown) => void;
  private readonly watchers = new Set<EtcdWatcher>();
  private readonly compactor: EtcdCompactor | undefined;
  private readonly feed: EtcdWatchFeed;
  /** The highest revision of this prefix's objects committed or delivered here. */
  private rev = 0;
  /** The highest etcd revision any answer carried: where a live-only watch starts after. */
  private horizon: number;
  /** etcd's compact revision as far as this store knows: history before it is gone. */
  private compacted: number;
  private closed = false;

  /** Connects (bounded by connectTimeoutMs) and answers once etcd has answered a read. */
  static async connect(options: EtcdConfigStoreOptions): Promise<EtcdConfigStore> {
    const parsed =
      typeof options.endpoints === 'string' ? parseEtcdUrl(options.endpoints) : options.endpoints;
    const endpoints = await resolveEndpoints(parsed);
    const rpc = new EtcdRpc({ endpoints, callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS });
    const keys = new EtcdKeys(options.prefix ?? DEFAULT_ETCD_PREFIX);
    const waitMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    try {
      // A linearizable read: it needs a member with a quorum, not just an open port. Refused or
      // no leader yet (etcd may be starting): asked again until the bound.
      const deadline = Date.now() + waitMs;
      const probe = await retryWhileUnavailable(
        () => rpc.rangeWithin({ key: keys.compaction() }, Math.max(1, deadline - Date.now())),
        deadline,
      );
      const compacted = Number(probe.kvs[0]?.value.toString() ?? 0);
      return new EtcdConfigStore(rpc, keys, options, probe.header.revision, compacted);
    } catch (err) {
      rpc.close();
      throw new StoreError(
        'AUTOMESH_ERR_STORE_IO',
        `cannot reach etcd at ${endpoints.join(',')} within ${waitMs / 1000} s (${briefCause(err)}): ` +
          `is etcd running there with --listen-client-urls on that address? Start it, or fix the address`,
        { cause: err },
      );
    }
  }

  private constructor(
    rpc: EtcdRpc,
    keys: EtcdKeys,
    options: EtcdConfigStoreOptions,
    horizon: number,
    compacted: number,
  ) {
    this.rpc = rpc;
    this.keys = keys;
    this.endpoints = rpc.endpoints;
    this.prefix = keys.prefix;
    this.options = options;
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.horizon = horizon;
    this.compacted = compacted;
    this.logger = options.logger ?? silentLogger;
    this.onWatcherError = options.onWatcherError ?? ((err) => process.emitWarning(String(err)));
    const resources = keys.resources();
    this.feed = new EtcdWatchFeed({
      rpc,
      key: resources,
      rangeEnd: prefixEnd(resources),
      after: horizon,
      toEvent: (message) => eventOf(this.keys, message),
      onRevision: (revision) => this.observe(revision),
      onLost: (compactRevision) => {
        this.learnCompacted(compactRevision);
        this.logger.warn('etcd watch history compacted while disconnected; watchers must list again', {
          compactRevision,
        });
        // Follow again from the oldest revision etcd still has (a watch may start there), so the
        // feed never asks for compacted history twice; watchers that list again start later.
        const after = Math.max(this.horizon, compactRevision - 1);
        return { after, error: this.compactedError(compactRevision) };
      },
      onWatcherError: this.onWatcherError,
    });
    const intervalMs = options.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
    if (intervalMs > 0) {
      this.compactor = new EtcdCompactor({
        rpc,
        key: keys.compaction(),
        intervalMs,
        onCompacted: (revision) => this.learnCompacted(revision),
        logger: this.logger,
      });
      this.compactor.start();
    }
  }

  async get(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined> {
    this.assertOpen();
    const response = await this.read(() =>
      this.rpc.range({ key: this.keys.resource(kind, namespace, name) }),
    );
    this.see(response.header.revision);
    const kv = response.kvs[0];
    return kv === undefined ? undefined : decodeResource(kv);
  }

  async list(kind: ResourceKind, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const parsed = parseLabelSelector(options.labelSelector ?? '');
    if (!parsed.ok) throw new StoreError('AUTOMESH_ERR_STORE_INVALID', parsed.message);
    const key = this.keys.kindPrefix(kind, options.namespace);
    const at = options.atRevision;
    const response = await this.read(() =>
      this.rpc.range({ key, range_end: prefixEnd(key), ...(at === undefined ? {} : { revision: at }) }),
    );
    this.see(response.header.revision);
    const items = response.kvs
      .map(decodeResource)
      .filter((r) => matchesLabelSelector(r.metadata.labels, parsed.requirements))
      .sort(byNamespaceThenName);
    return { items, revision: at ?? response.header.revision };
  }

  async create(resource: Resource): Promise<Resource> {
    const [result] = await this.applyBatch([{ op: 'create', resource }]);
    return (result as BatchResult).resource;
  }

  async update(resource: Resource): Promise<Resource> {
    const [result] = await this.applyBatch([{ op: 'update', resource }]);
    return (result as BatchResult).resource;
  }

  async delete(
    kind: ResourceKind,
    namespace: string | undefined,
    name: string,
  ): Promise<Resource | undefined> {
    try {
      const [result] = await this.applyBatch([{ op: 'delete', kind, namespace, name }]);
      return result?.resource;
    } catch (err) {
      if (err instanceof StoreError && err.code === 'AUTOMESH_ERR_STORE_NOT_FOUND') return undefined;
      throw err;
    }
  }

  async applyBatch(ops: readonly BatchOp[]): Promise<BatchResult[]> {
    this.assertOpen();
    let unconfirmed: BatchPlan | undefined;
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const snapshot = await this.readSnapshot(ops);
      // A commit whose answer was lost may have been applied: if what it wrote is there, it was.
      if (unconfirmed !== undefined) {
        const landed = landedAt(unconfirmed, snapshot);
        if (landed !== undefined) return this.committed(unconfirmed, landed);
        unconfirmed = undefined;
      }
      const plan = planBatch(ops, snapshot, {
        now: rfc3339((this.options.now ?? (() => new Date()))()),
        newUid: this.options.newUid ?? randomUUID,
      });
      if (plan.writes.length === 0) return plan.results;
      try {
        const response = await this.rpc.txn(commitRequest(this.keys, plan, snapshot));
        this.see(response.header.revision);
        if (response.succeeded) return this.committed(plan, response.header.revision);
      } catch (err) {
        if (!isOutcomeUnknown(err) || attempt === MAX_WRITE_ATTEMPTS) throw storeErrorOf(err, this.endpoints);
        this.logger.warn('etcd write unconfirmed; checking whether it was applied', { err: String(err) });
        unconfirmed = plan;
      }
    }
    throw new StoreError(
      'AUTOMESH_ERR_STORE_CONFLICT',
      `gave up after ${MAX_WRITE_ATTEMPTS} attempts: other writers kept changing the same objects; try again`,
    );
  }

  watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Unsubscribe {
    this.assertOpen();
    const from = options.fromRevision;
    if (from !== undefined && from + 1 < this.compacted) {
      throw new StoreError(
        'AUTOMESH_ERR_STORE_COMPACTED',
        `too old resource version: ${from} (etcd keeps history from ${this.compacted})`,
      );
    }
    const kinds = options.kinds === undefined ? undefined : new Set(options.kinds);
    const wanted = (e: WatchEvent): boolean =>
      (kinds === undefined || kinds.has(e.object.kind)) &&
      (options.namespace === undefined || e.object.metadata.namespace === options.namespace);
    const onError = (err: StoreError): void => {
      if (options.onError) options.onError(err);
      else this.onWatcherError(err);
    };
    if (from === undefined || this.feed.covers(from)) {
      // Live only: after everything this store has committed or delivered so far.
      const after = from ?? Math.max(this.rev, this.feed.position());
      return this.feed.subscribe({ wanted, onEvent, onError, onProgress: options.onProgress }, after);
    }
    return this.watchFromEtcd(from, wanted, onEvent, onError, options.onProgress);
  }

  /** A watch from further back than the feed holds: its own etcd watch, from `from + 1`. */
  private watchFromEtcd(
    from: number,
    wanted: (e: WatchEvent) => boolean,
    onEvent: (event: WatchEvent) => void,
    onError: (err: StoreError) => void,
    onProgress: ((revision: number) => void) | undefined,
  ): Unsubscribe {
    const key = this.keys.resources();
    const watcher = new EtcdWatcher(this.rpc, {
      key,
      rangeEnd: prefixEnd(key),
      startRevision: from + 1,
      onEvents: (messages) => {
        let unwanted: number | undefined;
        for (const message of messages) {
          const event = eventOf(this.keys, message);
          if (event === undefined) continue;
          if (!wanted(event)) {
            unwanted = event.revision;
            continue;
          }
          unwanted = undefined;
          try {
            onEvent(event);
          } catch (err) {
            // A failing watcher must not stop the others (or this one's next events); it is reported.
            this.onWatcherError(err);
          }
        }
        if (unwanted !== undefined) onProgress?.(unwanted);
      },
      onCompacted: (compactRevision) => {
        this.watchers.delete(watcher);
        this.learnCompacted(compactRevision);
        onError(this.compactedError(compactRevision));
      },
    });
    this.watchers.add(watcher);
    return () => {
      watcher.close();
      this.watchers.delete(watcher);
    };
  }

  private compactedError(compactRevision: number): StoreError {
    return new StoreError(
      'AUTOMESH_ERR_STORE_COMPACTED',
      `watch ended: etcd history before ${compactRevision} is compacted; list again`,
    );
  }

  revision(): number {
    return this.rev;
  }

  /** The key the control-plane replicas keep their shared, sealed secrets in (never a resource). */
  clusterSecretsSlot(): EtcdSecretSlot {
    this.assertOpen();
    return new EtcdSecretSlot(this.rpc, this.keys.clusterSecrets(), this.callTimeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.close();
    for (const watcher of this.watchers) watcher.close();
    this.watchers.clear();
    await this.compactor?.stop();
    this.rpc.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('AUTOMESH_ERR_STORE_CLOSED', 'the store is closed');
  }

  private see(revision: number): void {
    if (revision > this.horizon) this.horizon = revision;
  }

  private observe(revision: number): void {
    if (revision > this.rev) this.rev = revision;
    this.see(revision);
  }

  private learnCompacted(revision: number): void {
    if (revision > this.compacted) this.compacted = revision;
  }

  /**
   * Reads are safe to repeat: one that failed with its member (killed, or between leaders) is
   * tried again until callTimeoutMs has passed since the first try.
   */
  private async read<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await retryWhileUnavailable(call, Date.now() + this.callTimeoutMs);
    } catch (err) {
      throw storeErrorOf(err, this.endpoints);
    }
  }

  private async readSnapshot(ops: readonly BatchOp[]): Promise<BatchSnapshot> {
    const read = snapshotRead(this.keys, ops);
    const response = await this.read(() => this.rpc.txn(read.request));
    this.see(response.header.revision);
    return read.parse(response);
  }

  private async committed(plan: BatchPlan, revision: number): Promise<BatchResult[]> {
    this.observe(revision);
    await this.compactByCount(revision);
    return stampRevision(plan, revision);
  }

  private async compactByCount(revision: number): Promise<void> {
    const keep = this.options.eventHistory;
    if (keep === undefined) return;
    const slack = Math.max(1, Math.floor(keep / 10));
    if (revision - this.compacted <= keep + slack) return;
    const target = revision - keep + 1;
    try {
      await compactTo(this.rpc, target);
      this.learnCompacted(target);
    } catch (err) {
      // The write itself is committed; a failed compaction is retried after the next one.
      this.logger.warn('etcd compaction after write failed', { err: String(err) });
    }
  }
}
