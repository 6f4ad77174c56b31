// Fan-out of committed events to watchers. Each watcher has its own queue drained on a microtask,
// so events are never delivered inside the write that caused them (a watcher that writes cannot
// reorder what the others see), and a replay is never interleaved with live events.

import type { ResourceKind } from '../api/index.js';
import type { Unsubscribe, WatchEvent, WatchOptions } from './config-store.js';

interface Watcher {
  kinds: ReadonlySet<ResourceKind> | undefined;
  namespace: string | undefined;
  onEvent: (event: WatchEvent) => void;
  lastRevision: number;
  queue: WatchEvent[];
  scheduled: boolean;
  closed: boolean;
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private readonly onListenerError: (err: unknown) => void;

  constructor(onListenerError: (err: unknown) => void) {
    this.onListenerError = onListenerError;
  }

  /** Registers a watcher and queues `replay` (events already committed) for it first. */
  add(
    options: WatchOptions,
    replay: readonly WatchEvent[],
    currentRevision: number,
    onEvent: (e: WatchEvent) => void,
  ): Unsubscribe {
    const watcher: Watcher = {
      kinds: options.kinds ? new Set(options.kinds) : undefined,
      namespace: options.namespace,
      onEvent,
      lastRevision: options.fromRevision ?? currentRevision,
      queue: [],
      scheduled: false,
      closed: false,
    };
    this.watchers.add(watcher);
    this.offer(watcher, replay);
    return () => {
      watcher.closed = true;
      watcher.queue.length = 0;
      this.watchers.delete(watcher);
    };
  }

  publish(events: readonly WatchEvent[]): void {
    for (const watcher of this.watchers) this.offer(watcher, events);
  }

  size(): number {
    return this.watchers.size;
  }

  closeAll(): void {
    for (const watcher of this.watchers) watcher.closed = true;
    this.watchers.clear();
  }

  private offer(watcher: Watcher, events: readonly WatchEvent[]): void {
    for (const event of events) {
      // The revision filter makes replay + live exactly-once even when they overlap.
      if (event.revision <= watcher.lastRevision) continue;
      watcher.lastRevision = event.revision;
      if (!this.matches(watcher, event)) continue;
      watcher.queue.push(event);
    }
    if (watcher.queue.length > 0 && !watcher.scheduled) {
      watcher.scheduled = true;
      queueMicrotask(() => this.drain(watcher));
    }
  }

  private matches(watcher: Watcher, event: WatchEvent): boolean {
    if (watcher.kinds && !watcher.kinds.has(event.object.kind)) return false;
    return watcher.namespace === undefined || event.object.metadata.namespace === watcher.namespace;
  }

  private drain(watcher: Watcher): void {
    watcher.scheduled = false;
    while (!watcher.closed && watcher.queue.length > 0) {
      const event = watcher.queue.shift() as WatchEvent;
      try {
        watcher.onEvent(structuredClone(event));
      } catch (err) {
        // A failing watcher must not break the writer or the other watchers; it is reported.
        this.onListenerError(err);
      }
    }
  }
}
