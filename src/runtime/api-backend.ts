// The RuntimeBackend of a node agent on another host: the API server over HTTPS with the node's
// credential, instead of the store itself. Calls are bounded in time. A watch is one stream per
// kind from the resourceVersion last seen, informer style: when a stream ends it resumes from
// there; on 410 Gone (history compacted) or after errors it lists again and reports what changed
// meanwhile (ADDED, MODIFIED, DELETED against what it had seen), so no change is lost across a
// network partition. Reconnects back off (0.5 s doubling to 10 s) and the first failure of an
// outage is logged as a warning, the return as info. With several API servers (control-plane
// replicas) a call that cannot reach one goes to the next, and a broken watch reopens on the next.

import type { Resource, ResourceKind } from '../api/index.js';
import { ApiClientError } from '../controlplane/index.js';
import type { ClientWatchEvent } from '../controlplane/index.js';
import type { ApiClient } from '../controlplane/index.js';
import { ApiServers } from './api-servers.js';
import type { Logger } from '../log/index.js';
import type { BackendWatchEvent, RuntimeBackend } from './runtime-backend.js';

/** The server ends each watch after this long; the client gives up on a silent stream a little later. */
const WATCH_TIMEOUT_SECONDS = 60;
const WATCH_SILENCE_MARGIN_MS = 15_000;
const BACKOFF_INITIAL_MS = 500;
const BACKOFF_MAX_MS = 10_000;

const keyOf = (r: Resource): string => `${r.metadata.namespace ?? ''}/${r.metadata.name}`;

function isGone(err: unknown): boolean {
  return err instanceof ApiClientError && err.httpStatus === 410;
}

/** Follows one kind: a list, then watches from its version, again and again until stopped. */
class KindWatch {
  private readonly seen = new Map<string, Resource>();
  private version: string | undefined;
  private stopped = false;
  private current: { stop(): void } | undefined;
  private failures = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly servers: ApiServers,
    private readonly kind: ResourceKind,
    private readonly onEvent: (event: BackendWatchEvent) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.current?.stop();
    this.wake?.();
  }

  private async loop(): Promise<void> {
    let first = true;
    while (!this.stopped) {
      try {
        if (this.version === undefined) await this.relist(!first);
        first = false;
        await this.follow();
        this.recovered();
      } catch (err) {
        if (this.stopped) return;
        if (isGone(err)) {
          this.version = undefined; // compacted: list again at once
          continue;
        }
        this.failed(err);
        this.servers.next();
        // The stream may have missed changes while broken: list again once it is back.
        this.version = undefined;
        await this.sleep(Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** (this.failures - 1)));
      }
    }
  }

  private failed(err: unknown): void {
    this.failures++;
    const fields = { kind: this.kind, error: (err as Error).message, attempt: this.failures };
    if (this.failures === 1) this.logger.warn('watch broken; reconnecting with back-off', fields);
    else this.logger.debug('watch still broken', fields);
  }

  private recovered(): void {
    if (this.failures > 0) this.logger.info('watch resumed', { kind: this.kind, after: this.failures });
    this.failures = 0;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Lists the kind; after a gap, reports the difference from what was seen as events. */
  private async relist(report: boolean): Promise<void> {
    const list = await this.servers.call((c) => c.list(this.kind));
    const now = new Map(list.items.map((r) => [keyOf(r), { ...r, kind: this.kind } as Resource]));
    if (report) {
      for (const [key, object] of now) {
        const before = this.seen.get(key);
        if (before === undefined) this.emit({ type: 'ADDED', object });
        else if (before.metadata.resourceVersion !== object.metadata.resourceVersion)
          this.emit({ type: 'MODIFIED', object });
      }
      for (const [key, object] of this.seen) if (!now.has(key)) this.emit({ type: 'DELETED', object });
    }
    this.seen.clear();
    for (const [key, object] of now) this.seen.set(key, object);
    this.version = list.metadata.resourceVersion;
  }

  /** One watch stream from `version`, until the server ends it or it falls silent too long. */
  private async follow(): Promise<void> {
    let gone = false;
    const handle = this.servers.current().watch(
      this.kind,
      {
        ...(this.version === undefined ? {} : { resourceVersion: this.version }),
        timeoutSeconds: WATCH_TIMEOUT_SECONDS,
      },
      (event: ClientWatchEvent) => {
        if (event.type === 'ERROR') {
          gone = (event.object as unknown as { code?: number }).code === 410;
          return;
        }
        const object = { ...event.object, kind: event.object.kind ?? this.kind } as Resource;
        this.version = object.metadata.resourceVersion ?? this.version;
        if (event.type === 'DELETED') this.seen.delete(keyOf(object));
        else this.seen.set(keyOf(object), object);
        this.emit({ type: event.type, object });
      },
    );
    this.current = handle;
    // A partition leaves the stream open and silent: end it past the server's own timeout.
    const silence = setTimeout(() => handle.stop(), WATCH_TIMEOUT_SECONDS * 1000 + WATCH_SILENCE_MARGIN_MS);
    try {
      await handle.done;
    } finally {
      clearTimeout(silence);
      this.current = undefined;
    }
    if (gone) this.version = undefined;
  }

  private emit(event: BackendWatchEvent): void {
    if (this.stopped) return;
    try {
      this.onEvent(event);
    } catch (err) {
      this.logger.error('watch event handler failed', { kind: this.kind, err });
    }
  }
}

export class ApiBackend implements RuntimeBackend {
  private readonly servers: ApiServers;

  constructor(
    servers: ApiClient | ApiServers,
    private readonly logger: Logger,
  ) {
    this.servers = servers instanceof ApiServers ? servers : new ApiServers([servers]);
  }

  async list(kind: ResourceKind, options: { namespace?: string } = {}): Promise<{ items: Resource[] }> {
    const scope = options.namespace === undefined ? {} : { namespace: options.namespace };
    const list = await this.servers.call((c) => c.list(kind, scope));
    return { items: list.items.map((r) => ({ ...r, kind }) as Resource) };
  }

  get(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined> {
    return this.servers.call((c) => c.find(kind, name, namespace === undefined ? {} : { namespace }));
  }

  create(resource: Resource): Promise<Resource> {
    return this.servers.call((c) => c.create(resource));
  }

  update(resource: Resource): Promise<Resource> {
    return this.servers.call((c) => c.update(resource));
  }

  async delete(
    kind: ResourceKind,
    namespace: string | undefined,
    name: string,
  ): Promise<Resource | undefined> {
    try {
      return await this.servers.call((c) =>
        c.delete(kind, name, namespace === undefined ? {} : { namespace }),
      );
    } catch (err) {
      if (err instanceof ApiClientError && err.notFound) return undefined;
      throw err;
    }
  }

  watch(
    options: { kinds?: readonly ResourceKind[] },
    onEvent: (event: BackendWatchEvent) => void,
  ): () => void {
    const kinds = options.kinds ?? [];
    if (kinds.length === 0) throw new Error('an API backend watches named kinds only');
    const watches = kinds.map((kind) => new KindWatch(this.servers, kind, onEvent, this.logger));
    for (const w of watches) w.start();
    return () => watches.forEach((w) => w.stop());
  }
}
