// In-memory SyncBackend: for tests and for a control plane started with no state directory.
// Transactions roll back by restoring a snapshot taken on entry (cheap at test sizes).

import type { Resource, ResourceKind } from '../api/index.js';
import type { WatchEvent } from './config-store.js';
import { resourceKey } from './resource-key.js';
import type { SyncBackend } from './sync-backend.js';

interface MemoryState {
  objects: Map<string, Resource>;
  events: WatchEvent[];
  revision: number;
  compacted: number;
}

/** Code-unit order, the same as SQLite's BINARY collation, so every backend lists alike. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byNamespaceThenName(a: Resource, b: Resource): number {
  const ns = compareText(a.metadata.namespace ?? '', b.metadata.namespace ?? '');
  return ns !== 0 ? ns : compareText(a.metadata.name, b.metadata.name);
}

export class MemoryBackend implements SyncBackend {
  private state: MemoryState = { objects: new Map(), events: [], revision: 0, compacted: 0 };
  private depth = 0;

  get(kind: ResourceKind, namespace: string | undefined, name: string): Resource | undefined {
    const found = this.state.objects.get(resourceKey(kind, namespace, name));
    return found === undefined ? undefined : structuredClone(found);
  }

  list(kind: ResourceKind, namespace?: string): Resource[] {
    return [...this.state.objects.values()]
      .filter((r) => r.kind === kind && (namespace === undefined || r.metadata.namespace === namespace))
      .sort(byNamespaceThenName)
      .map((r) => structuredClone(r));
  }

  listInNamespace(namespace: string): Resource[] {
    return [...this.state.objects.values()]
      .filter((r) => r.metadata.namespace === namespace)
      .map((r) => structuredClone(r));
  }

  put(resource: Resource): void {
    const { kind, metadata } = resource;
    this.state.objects.set(resourceKey(kind, metadata.namespace, metadata.name), structuredClone(resource));
  }

  remove(kind: ResourceKind, namespace: string | undefined, name: string): void {
    this.state.objects.delete(resourceKey(kind, namespace, name));
  }

  appendEvent(event: WatchEvent): void {
    this.state.events.push(structuredClone(event));
  }

  eventsAfter(after: number): WatchEvent[] {
    return this.state.events.filter((e) => e.revision > after).map((e) => structuredClone(e));
  }

  compact(keep: number): void {
    const drop = this.state.events.length - keep;
    if (drop <= 0) return;
    const removed = this.state.events.splice(0, drop);
    this.state.compacted = removed[removed.length - 1]?.revision ?? this.state.compacted;
  }

  compactedRevision(): number {
    return this.state.compacted;
  }

  revision(): number {
    return this.state.revision;
  }

  setRevision(revision: number): void {
    this.state.revision = revision;
  }

  transaction<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    const saved: MemoryState = {
      objects: new Map(this.state.objects),
      events: [...this.state.events],
      revision: this.state.revision,
      compacted: this.state.compacted,
    };
    this.depth++;
    try {
      return fn();
    } catch (err) {
      this.state = saved;
      throw err;
    } finally {
      this.depth--;
    }
  }

  close(): void {
    this.state.objects.clear();
  }
}
