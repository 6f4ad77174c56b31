// In-memory SyncBackend: for tests and for a control plane started with no state directory.
// Objects are kept as JSON text (so every read is a fresh copy, as from a real database), and a
// transaction keeps an undo journal of what it touched, so a rollback costs only what it changed.

import type { Resource, ResourceKind } from '../api/index.js';
import type { WatchEvent } from './config-store.js';
import { resourceKey } from './resource-key.js';
import type { SyncBackend } from './sync-backend.js';

interface StoredObject {
  kind: ResourceKind;
  namespace: string | undefined;
  name: string;
  json: string;
}

interface Journal {
  /** Key → the object before the transaction first touched it (undefined: it did not exist). */
  before: Map<string, StoredObject | undefined>;
  revision: number;
  compacted: number;
  droppedEvents: WatchEvent[];
}

/** Code-unit order, the same as SQLite's BINARY collation, so every backend lists alike. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byNamespaceThenName(a: StoredObject, b: StoredObject): number {
  const ns = compareText(a.namespace ?? '', b.namespace ?? '');
  return ns !== 0 ? ns : compareText(a.name, b.name);
}

const parse = (o: StoredObject): Resource => JSON.parse(o.json) as Resource;

export class MemoryBackend implements SyncBackend {
  private readonly objects = new Map<string, StoredObject>();
  private events: WatchEvent[] = [];
  private rev = 0;
  private compacted = 0;
  private journal: Journal | undefined;

  get(kind: ResourceKind, namespace: string | undefined, name: string): Resource | undefined {
    const found = this.objects.get(resourceKey(kind, namespace, name));
    return found === undefined ? undefined : parse(found);
  }

  list(kind: ResourceKind, namespace?: string): Resource[] {
    return [...this.objects.values()]
      .filter((o) => o.kind === kind && (namespace === undefined || o.namespace === namespace))
      .sort(byNamespaceThenName)
      .map(parse);
  }

  listInNamespace(namespace: string): Resource[] {
    return [...this.objects.values()].filter((o) => o.namespace === namespace).map(parse);
  }

  put(resource: Resource): void {
    const { kind, metadata } = resource;
    const key = resourceKey(kind, metadata.namespace, metadata.name);
    this.remember(key);
    this.objects.set(key, {
      kind,
      namespace: metadata.namespace,
      name: metadata.name,
      json: JSON.stringify(resource),
    });
  }

  remove(kind: ResourceKind, namespace: string | undefined, name: string): void {
    const key = resourceKey(kind, namespace, name);
    this.remember(key);
    this.objects.delete(key);
  }

  appendEvent(event: WatchEvent): void {
    this.events.push(JSON.parse(JSON.stringify(event)) as WatchEvent);
  }

  eventsAfter(after: number): WatchEvent[] {
    return this.events
      .filter((e) => e.revision > after)
      .map((e) => JSON.parse(JSON.stringify(e)) as WatchEvent);
  }

  compact(keep: number): void {
    // Drop in steps of a tenth of the window, not one event per write.
    const slack = Math.max(1, Math.floor(keep / 10));
    if (this.events.length <= keep + slack) return;
    const removed = this.events.splice(0, this.events.length - keep);
    this.journal?.droppedEvents.unshift(...removed);
    this.compacted = removed[removed.length - 1]?.revision ?? this.compacted;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  revision(): number {
    return this.rev;
  }

  setRevision(revision: number): void {
    this.rev = revision;
  }

  transaction<T>(fn: () => T): T {
    if (this.journal !== undefined) return fn();
    const journal: Journal = {
      before: new Map(),
      revision: this.rev,
      compacted: this.compacted,
      droppedEvents: [],
    };
    this.journal = journal;
    try {
      return fn();
    } catch (err) {
      this.rollback(journal);
      throw err;
    } finally {
      this.journal = undefined;
    }
  }

  close(): void {
    this.objects.clear();
    this.events = [];
  }

  private remember(key: string): void {
    if (this.journal && !this.journal.before.has(key)) this.journal.before.set(key, this.objects.get(key));
  }

  private rollback(journal: Journal): void {
    for (const [key, value] of journal.before) {
      if (value === undefined) this.objects.delete(key);
      else this.objects.set(key, value);
    }
    // Events the transaction appended have revisions past its start; compaction may have dropped
    // older ones into the journal.
    const old = (e: WatchEvent): boolean => e.revision <= journal.revision;
    this.events = [...journal.droppedEvents.filter(old), ...this.events.filter(old)];
    this.rev = journal.revision;
    this.compacted = journal.compacted;
  }
}
