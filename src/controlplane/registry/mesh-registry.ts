// The store-backed registry: lists every mesh kind, then follows one watch over the whole store,
// keeping resource maps and a lazily rebuilt MeshState. `start()` resolves once the initial
// lists are in, so a restarted control plane serves from the store, never from an empty state.

import type { MeshSettings, Resource } from '../../api/index.js';
import { DEFAULT_MESH_SETTINGS } from '../../api/index.js';
import type { ConfigStore, WatchEvent } from '../../store/index.js';
import { isStoreError } from '../../store/index.js';
import type { MeshState } from '../../policy/index.js';
import { workloadFromPod } from '../../policy/index.js';
import type { Logger } from '../../log/index.js';
import { silentLogger } from '../../log/index.js';
import type { MeshStateSource, Unsubscribe } from './mesh-state-source.js';
import type { MeshKind, ResourcesByKind, WorkloadFromPod } from './build-mesh-state.js';
import { MESH_KINDS, buildMeshState, emptyResources, isMeshKind, isMeshValues } from './build-mesh-state.js';

export interface MeshRegistryOptions {
  store: ConfigStore;
  /** Default: the policy engine's. */
  workloadFromPod?: WorkloadFromPod;
  /** Trust domain and root namespace; the mTLS flags come from the values ConfigMap over these. */
  settings?: Partial<MeshSettings>;
  logger?: Logger;
}

/** How many times a compacted watch is answered by a fresh list before giving up. */
const MAX_RELISTS = 5;

export class MeshRegistry implements MeshStateSource {
  private readonly store: ConfigStore;
  private readonly workloadFromPod: WorkloadFromPod;
  private readonly baseSettings: MeshSettings;
  private readonly logger: Logger;
  private resources: ResourcesByKind = emptyResources();
  /** Per kind, the revision its last list reflects: older replayed events are already in it. */
  private listedAt = new Map<MeshKind, number>();
  private cached: MeshState | undefined;
  private seenRevision = 0;
  private unwatch: Unsubscribe | undefined;
  private readonly changeListeners = new Set<() => void>();
  private readonly revisionListeners = new Set<(revision: number) => void>();
  private stopped = false;

  constructor(options: MeshRegistryOptions) {
    this.store = options.store;
    this.workloadFromPod = options.workloadFromPod ?? workloadFromPod;
    this.baseSettings = { ...DEFAULT_MESH_SETTINGS, ...options.settings };
    this.logger = options.logger ?? silentLogger;
  }

  /** Lists every mesh kind and starts following changes; resolves when the state is complete. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const from = await this.listAll();
      try {
        this.unwatch = this.store.watch({ fromRevision: from, onError: (err) => this.relist(err) }, (event) =>
          this.onEvent(event),
        );
        return;
      } catch (err) {
        if (!isStoreError(err, 'AUTOMESH_ERR_STORE_COMPACTED') || attempt >= MAX_RELISTS) throw err;
        this.logger.warn('watch history compacted during start; listing again', { attempt });
      }
    }
  }

  /** The watch ended (its history was compacted under it): list again and follow from there. */
  private relist(err: unknown): void {
    if (this.stopped) return;
    this.logger.warn('store watch ended; listing again', { err: String(err) });
    this.unwatch = undefined;
    this.start().then(
      () => {
        if (this.stopped) this.stop();
        this.cached = undefined;
        for (const listener of this.changeListeners) listener();
      },
      (failure: unknown) => this.logger.error('relisting the store failed', { err: String(failure) }),
    );
  }

  stop(): void {
    this.stopped = true;
    this.unwatch?.();
    this.unwatch = undefined;
  }

  state(): MeshState {
    this.cached ??= buildMeshState(this.resources, this.baseSettings, this.workloadFromPod);
    return this.cached;
  }

  revision(): number {
    return this.seenRevision;
  }

  latestRevision(): number {
    return this.store.revision();
  }

  onChange(listener: () => void): Unsubscribe {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onRevision(listener: (revision: number) => void): Unsubscribe {
    this.revisionListeners.add(listener);
    return () => this.revisionListeners.delete(listener);
  }

  /** Lists each kind; returns the lowest list revision (replay from there misses nothing). */
  private async listAll(): Promise<number> {
    const resources = emptyResources();
    const listedAt = new Map<MeshKind, number>();
    for (const kind of MESH_KINDS) {
      const result = await this.store.list(kind);
      for (const item of result.items) {
        if (kind === 'ConfigMap' && !isMeshValues(item, this.baseSettings.rootNamespace)) continue;
        resources[kind].set(keyOf(item), item);
      }
      listedAt.set(kind, result.revision);
    }
    this.resources = resources;
    this.listedAt = listedAt;
    this.cached = undefined;
    const revisions = [...listedAt.values()];
    this.seenRevision = Math.max(...revisions);
    return Math.min(...revisions);
  }

  private onEvent(event: WatchEvent): void {
    if (this.stopped) return;
    const changed = this.apply(event);
    if (event.revision > this.seenRevision) this.seenRevision = event.revision;
    if (changed) {
      this.cached = undefined;
      for (const listener of this.changeListeners) listener();
    }
    for (const listener of this.revisionListeners) listener(this.seenRevision);
  }

  /** Applies one event to the maps; true when mesh input changed. */
  private apply(event: WatchEvent): boolean {
    const { kind } = event.object;
    if (!isMeshKind(kind)) return false;
    if (event.revision <= (this.listedAt.get(kind) ?? 0)) return false;
    if (kind === 'ConfigMap' && !isMeshValues(event.object, this.baseSettings.rootNamespace)) return false;
    const map = this.resources[kind];
    if (event.type === 'DELETED') return map.delete(keyOf(event.object));
    map.set(keyOf(event.object), event.object);
    return true;
  }
}

function keyOf(resource: Resource): string {
  return `${resource.metadata.namespace ?? ''}/${resource.metadata.name}`;
}
