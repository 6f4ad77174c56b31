// One etcd watch over the store's whole resource prefix, fanned out to every watcher of the store,
// with the latest events kept for replay (a small watch cache, as kube-apiserver keeps one).
// Sharing one stream means each etcd event reaches every watcher in the same turn, in the same
// order, from one connection; a watch from a revision the feed still holds is served at once
// (subscribe, then replay from memory: nothing can fall in between) without a round trip.

import type { Unsubscribe, WatchEvent } from '../config-store.js';
import type { StoreError } from '../store-error.js';
import { queueProgress } from '../watch-hub.js';
import type { EtcdRpc, WatchEventMessage } from './etcd-rpc.js';
import { EtcdWatcher } from './etcd-watcher.js';

/** Events kept for replay; a watch from further back gets its own etcd watch. */
export const WATCH_FEED_EVENTS = 1_000;

export interface FeedSubscriber {
  wanted: (event: WatchEvent) => boolean;
  onEvent: (event: WatchEvent) => void;
  onError: (err: StoreError) => void;
  onProgress?: ((revision: number) => void) | undefined;
}

interface Subscription extends FeedSubscriber {
  after: number;
  queue: Array<WatchEvent | { progress: number }>;
  scheduled: boolean;
  closed: boolean;
}

export interface EtcdWatchFeedOptions {
  rpc: EtcdRpc;
  key: Buffer;
  rangeEnd: Buffer;
  /** The feed holds every event after this revision. */
  after: number;
  toEvent: (message: WatchEventMessage) => WatchEvent | undefined;
  /** Every event's revision, subscribers or not. */
  onRevision: (revision: number) => void;
  /** The feed's own history was compacted while it was disconnected: the value to restart after. */
  onLost: (compactRevision: number) => { after: number; error: StoreError };
  onWatcherError: (err: unknown) => void;
}

export class EtcdWatchFeed {
  private readonly options: EtcdWatchFeedOptions;
  private readonly subscriptions = new Set<Subscription>();
  private events: WatchEvent[] = [];
  /** Every event with revision > from is in `events`. */
  private from: number;
  /** The last revision the feed has delivered (or its start). */
  private at: number;
  private upstream: EtcdWatcher;

  constructor(options: EtcdWatchFeedOptions) {
    this.options = options;
    this.from = options.after;
    this.at = options.after;
    this.upstream = this.follow(options.after);
  }

  /** True when a watch from `revision` can be served from memory. */
  covers(revision: number): boolean {
    return revision >= this.from;
  }

  position(): number {
    return this.at;
  }

  /** Queues the held events after `after` for the subscriber, then every new one. */
  subscribe(subscriber: FeedSubscriber, after: number): Unsubscribe {
    const subscription: Subscription = { ...subscriber, after, queue: [], scheduled: false, closed: false };
    this.subscriptions.add(subscription);
    this.offer(subscription, this.events);
    return () => {
      subscription.closed = true;
      subscription.queue.length = 0;
      this.subscriptions.delete(subscription);
    };
  }

  close(): void {
    this.upstream.close();
    for (const s of this.subscriptions) s.closed = true;
    this.subscriptions.clear();
  }

  private follow(after: number): EtcdWatcher {
    return new EtcdWatcher(this.options.rpc, {
      key: this.options.key,
      rangeEnd: this.options.rangeEnd,
      startRevision: after + 1,
      onEvents: (messages) => this.onMessages(messages),
      onCompacted: (revision) => this.onCompacted(revision),
    });
  }

  private onMessages(messages: WatchEventMessage[]): void {
    const fresh: WatchEvent[] = [];
    for (const message of messages) {
      const event = this.options.toEvent(message);
      if (event === undefined) continue;
      fresh.push(event);
      this.at = event.revision;
      this.options.onRevision(event.revision);
    }
    if (fresh.length === 0) return;
    this.events.push(...fresh);
    if (this.events.length > WATCH_FEED_EVENTS) {
      const dropped = this.events.splice(0, this.events.length - WATCH_FEED_EVENTS);
      this.from = (dropped[dropped.length - 1] as WatchEvent).revision;
      // A revision is kept whole or not at all, so "every event after `from`" stays true.
      while (this.events.length > 0 && (this.events[0] as WatchEvent).revision === this.from)
        this.events.shift();
    }
    for (const s of this.subscriptions) this.offer(s, fresh);
  }

  private onCompacted(revision: number): void {
    const { after, error } = this.options.onLost(revision);
    for (const s of [...this.subscriptions]) {
      s.closed = true;
      s.onError(error);
    }
    this.subscriptions.clear();
    this.events = [];
    this.from = after;
    this.at = after;
    this.upstream = this.follow(after);
  }

  private offer(s: Subscription, events: readonly WatchEvent[]): void {
    for (const event of events) {
      if (event.revision <= s.after) continue;
      if (s.wanted(event)) s.queue.push(event);
      else if (s.onProgress) queueProgress(s.queue, event.revision);
    }
    if (s.queue.length > 0 && !s.scheduled) {
      s.scheduled = true;
      // Never inside the caller's turn: a watcher that writes cannot reorder what others see.
      queueMicrotask(() => this.drain(s));
    }
  }

  private drain(s: Subscription): void {
    s.scheduled = false;
    while (!s.closed && s.queue.length > 0) {
      const item = s.queue.shift() as WatchEvent | { progress: number };
      try {
        if ('progress' in item) s.onProgress?.(item.progress);
        else s.onEvent(structuredClone(item));
      } catch (err) {
        this.options.onWatcherError(err);
      }
    }
  }
}
