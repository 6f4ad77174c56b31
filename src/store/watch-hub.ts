// Fan-out of committed events to watchers. Each watcher has its own queue drained on a microtask,
// so events are never delivered inside the write that caused them (a watcher that writes cannot
// reorder what the others see), and a replay is never interleaved with live events.

import type { ResourceKind } from '../api/index.js';
import type { Unsubscribe, WatchEvent, WatchOptions } from './config-store.js';

/** A queued event, or (for watchers that asked) the revision that unwanted changes reached. */
type Queued = WatchEvent | { progress: number };

interface Watcher {
  kinds: ReadonlySet<ResourceKind> | undefined;
  namespace: string | undefined;
  onEvent: (event: WatchEvent) => void;
  onProgress: ((revision: number) => void) | undefined;
  lastRevision: number;
  queue: Queued[];
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
      onProgress: options.onProgress,
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
      if (this.matches(watcher, event)) watcher.queue.push(event);
      else if (watcher.onProgress) queueProgress(watcher.queue, event.revision);
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
      const item = watcher.queue.shift() as Queued;
      try {
        if ('progress' in item) watcher.onProgress?.(item.progress);
        else watcher.onEvent(structuredClone(item));
      } catch (err) {
        // A failing watcher must not break the writer or the other watchers; it is reported.
        this.onListenerError(err);
      }
    }
  }
}

/** Appends a progress mark, or moves the last one forward: runs of unwanted changes make one mark. */
export function queueProgress(queue: Array<WatchEvent | { progress: number }>, revision: number): void {
  const last = queue[queue.length - 1];
  if (last !== undefined && 'progress' in last) last.progress = revision;
  else queue.push({ progress: revision });
}
