// An in-memory RuntimeBackend for the runtime's tests: assigns uid, resourceVersion and
// creationTimestamp like the store, delivers watch events asynchronously, and cascades a
// Namespace deletion.
import { randomUUID } from 'node:crypto';
import type { Resource, ResourceKind } from '../../src/api/index.js';
import type { BackendWatchEvent, RuntimeBackend } from '../../src/runtime/index.js';

type Listener = { kinds?: readonly ResourceKind[]; onEvent: (e: BackendWatchEvent) => void };

export class FakeBackend implements RuntimeBackend {
  readonly objects = new Map<string, Resource>();
  private readonly listeners = new Set<Listener>();
  private revision = 0;
  writes = 0;

  private key(kind: string, ns: string | undefined, name: string): string {
    return `${kind}/${ns ?? ''}/${name}`;
  }

  private emit(type: BackendWatchEvent['type'], object: Resource): void {
    const copy = structuredClone(object);
    setImmediate(() => {
      for (const l of this.listeners)
        if (l.kinds === undefined || l.kinds.includes(copy.kind)) l.onEvent({ type, object: copy });
    });
  }

  list(kind: ResourceKind, options: { namespace?: string } = {}): Promise<{ items: Resource[] }> {
    const items = [...this.objects.values()].filter(
      (o) =>
        o.kind === kind && (options.namespace === undefined || o.metadata.namespace === options.namespace),
    );
    return Promise.resolve({ items: structuredClone(items) });
  }

  get(kind: ResourceKind, ns: string | undefined, name: string): Promise<Resource | undefined> {
    const o = this.objects.get(this.key(kind, ns, name));
    return Promise.resolve(o === undefined ? undefined : structuredClone(o));
  }

  create(resource: Resource): Promise<Resource> {
    const k = this.key(resource.kind, resource.metadata.namespace, resource.metadata.name);
    if (this.objects.has(k))
      return Promise.reject(Object.assign(new Error(`exists: ${k}`), { code: 'AUTOMESH_ERR_STORE_EXISTS' }));
    const stored = structuredClone(resource);
    stored.metadata.uid = randomUUID();
    stored.metadata.creationTimestamp = new Date().toISOString();
    stored.metadata.resourceVersion = String(++this.revision);
    this.objects.set(k, stored);
    this.writes++;
    this.emit('ADDED', stored);
    return Promise.resolve(structuredClone(stored));
  }

  update(resource: Resource): Promise<Resource> {
    const k = this.key(resource.kind, resource.metadata.namespace, resource.metadata.name);
    const before = this.objects.get(k);
    if (before === undefined)
      return Promise.reject(
        Object.assign(new Error(`not found: ${k}`), { code: 'AUTOMESH_ERR_STORE_NOT_FOUND' }),
      );
    const rv = resource.metadata.resourceVersion;
    if (rv !== undefined && rv !== before.metadata.resourceVersion) {
      return Promise.reject(
        Object.assign(new Error(`conflict: ${k}`), { code: 'AUTOMESH_ERR_STORE_CONFLICT' }),
      );
    }
    const stored = structuredClone(resource);
    stored.metadata.uid = before.metadata.uid;
    stored.metadata.creationTimestamp = before.metadata.creationTimestamp;
    stored.metadata.resourceVersion = String(++this.revision);
    this.objects.set(k, stored);
    this.writes++;
    this.emit('MODIFIED', stored);
    return Promise.resolve(structuredClone(stored));
  }

  delete(kind: ResourceKind, ns: string | undefined, name: string): Promise<Resource | undefined> {
    const k = this.key(kind, ns, name);
    const before = this.objects.get(k);
    if (before === undefined) return Promise.resolve(undefined);
    this.objects.delete(k);
    this.emit('DELETED', before);
    if (kind === 'Namespace') {
      for (const [key, o] of [...this.objects]) {
        if (o.metadata.namespace === name) {
          this.objects.delete(key);
          this.emit('DELETED', o);
        }
      }
    }
    return Promise.resolve(structuredClone(before));
  }

  watch(options: { kinds?: readonly ResourceKind[] }, onEvent: (e: BackendWatchEvent) => void): () => void {
    const listener: Listener = { ...(options.kinds !== undefined ? { kinds: options.kinds } : {}), onEvent };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Objects of a kind in a namespace, for assertions. */
  all<T extends Resource>(kind: T['kind'], ns?: string): T[] {
    return [...this.objects.values()].filter(
      (o) => o.kind === kind && (ns === undefined || o.metadata.namespace === ns),
    ) as T[];
  }
}
