// The embedded stand-in for a cluster: turns Deployments into pods (processes on their own loopback
// addresses), keeps Endpoints for every Service, and gives pods without a sidecar a plain service
// proxy. It reads and writes resources only through a RuntimeBackend.

import { join } from 'node:path';
import type { Deployment, Endpoints, Pod, Resource, Service } from '../api/index.js';
import { silentLogger } from '../log/index.js';
import type { Logger } from '../log/index.js';
import { AddressAllocator } from './address-allocator.js';
import { hasSidecar } from './inject-sidecar.js';
import { runningAsRoot } from './host-port.js';
import { podName, podTemplateHash, randomPodSuffix, stableJson } from './pod-naming.js';
import { PodWorker } from './pod-worker.js';
import type { MintPodToken, StartSidecar } from './pod-worker.js';
import type { BackendWatchEvent, RuntimeBackend } from './runtime-backend.js';
import { SerialTask } from './serial-task.js';
import { ServiceTable } from './service-table.js';
import type { PodView } from './service-table.js';
import type { BackoffOptions } from './supervised-process.js';

export interface RuntimeOptions {
  backend: RuntimeBackend;
  /** Pod directories (logs, tokens) and the address file live here. */
  stateDir: string;
  /** Starts the sidecar process of an injected pod. Without it injected pods never get Ready. */
  startSidecar?: StartSidecar;
  /** Mints the pod credential written to `<stateDir>/pods/<ns>/<pod>/token` before each sidecar start. */
  mintPodToken?: MintPodToken;
  /** Override root detection (ports < 1024 are bound at +15000 when not root). */
  isRoot?: boolean;
  /** Second octet of pod IPs (default 10: 127.10.0.0/16; app hosts in 127.11.0.0/16). */
  addressBlock?: number;
  backoff?: BackoffOptions;
  stopGraceMs?: number;
  logger?: Logger;
}

export interface LocalRuntime {
  /** The pods this runtime runs, with their latest status. */
  pods(): Pod[];
  /** Resolves once the changes seen so far are reconciled and written. */
  settle(): Promise<void>;
  /** Stops every pod process and listener; nothing is left running afterwards. */
  stop(): Promise<void>;
}

interface Entry {
  key: string;
  deployment: string;
  hash: string;
  pod: Pod;
  worker: PodWorker;
  gone: boolean;
  pendingStatus?: NonNullable<Pod['status']>;
  writing: boolean;
}

const keyOf = (ns: string | undefined, name: string): string => `${ns ?? 'default'}/${name}`;
const nsOf = (r: Resource): string => r.metadata.namespace ?? 'default';

function ownerDeployment(pod: Pod): string | undefined {
  return pod.metadata.ownerReferences?.find((o) => o.kind === 'Deployment' && o.controller === true)?.name;
}

function withoutVersion(resource: Resource): Resource {
  const { resourceVersion: _rv, ...metadata } = resource.metadata;
  return { ...resource, metadata };
}

class Runtime implements LocalRuntime {
  private readonly entries = new Map<string, Entry>();
  private readonly table = new ServiceTable();
  private readonly allocator: AddressAllocator;
  private readonly isRoot: boolean;
  private readonly logger: Logger;
  private readonly reconciler: SerialTask;
  private readonly endpointSync: SerialTask;
  private readonly writtenEndpoints = new Map<string, string>();
  private deployments: Deployment[] = [];
  private orphans: Pod[] | undefined;
  private unwatch: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: RuntimeOptions) {
    this.isRoot = options.isRoot ?? runningAsRoot();
    this.logger = options.logger ?? silentLogger;
    this.allocator = new AddressAllocator(options.addressBlock, join(options.stateDir, 'pod-addresses.json'));
    const onError = (err: unknown): void => this.logger.error('runtime sync failed', { err });
    this.reconciler = new SerialTask(() => this.reconcile(), onError);
    this.endpointSync = new SerialTask(() => this.syncEndpoints(), onError);
  }

  async start(): Promise<void> {
    this.unwatch = this.options.backend.watch({ kinds: ['Deployment', 'Service', 'Pod', 'Namespace'] }, (e) =>
      this.onEvent(e),
    );
    this.orphans = (await this.options.backend.list('Pod')).items as Pod[];
    this.reconciler.kick();
    await this.reconciler.idle();
  }

  private onEvent(event: BackendWatchEvent): void {
    if (this.stopped) return;
    if (event.object.kind === 'Pod') {
      const entry = this.entries.get(keyOf(event.object.metadata.namespace, event.object.metadata.name));
      // Our own status writes come back as MODIFIED; only a deletion by someone else matters.
      if (event.type !== 'DELETED' || entry === undefined || entry.gone) return;
      if (event.object.metadata.uid !== entry.pod.metadata.uid) return;
      void this.removePod(entry, false).then(() => this.reconciler.kick());
      return;
    }
    this.reconciler.kick();
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const backend = this.options.backend;
    const [deployments, services] = await Promise.all([backend.list('Deployment'), backend.list('Service')]);
    this.deployments = deployments.items as Deployment[];
    this.table.setServices(services.items as Service[]);
    const wanted = new Set<string>();
    for (const d of this.deployments) {
      wanted.add(keyOf(d.metadata.namespace, d.metadata.name));
      await this.reconcileDeployment(d);
    }
    for (const entry of [...this.entries.values()]) {
      if (!wanted.has(keyOf(entry.pod.metadata.namespace, entry.deployment)))
        await this.removePod(entry, true);
    }
    if (this.orphans !== undefined) {
      const leftovers = this.orphans;
      this.orphans = undefined;
      await Promise.all(leftovers.map((p) => backend.delete('Pod', p.metadata.namespace, p.metadata.name)));
      const endpoints = (await backend.list('Endpoints')).items;
      const live = new Set(services.items.map((s) => keyOf(s.metadata.namespace, s.metadata.name)));
      await Promise.all(
        endpoints
          .filter((e) => !live.has(keyOf(e.metadata.namespace, e.metadata.name)))
          .map((e) => backend.delete('Endpoints', e.metadata.namespace, e.metadata.name)),
      );
    }
    this.endpointSync.kick();
  }

  private async reconcileDeployment(d: Deployment): Promise<void> {
    const ns = nsOf(d);
    const hash = podTemplateHash(d.spec.template);
    const replicas = Math.max(0, d.spec.replicas ?? 1);
    const mine = [...this.entries.values()].filter(
      (e) => nsOf(e.pod) === ns && e.deployment === d.metadata.name,
    );
    const current = mine.filter((e) => e.hash === hash);
    // A changed template replaces every pod; extra replicas go, newest first.
    const doomed = [...mine.filter((e) => e.hash !== hash), ...current.slice(replicas)];
    await Promise.all(doomed.map((e) => this.removePod(e, true)));
    for (let i = current.length; i < replicas && !this.stopped; i++) await this.createPod(d, hash);
  }

  private takeOrphan(d: Deployment, hash: string): Pod | undefined {
    const index = (this.orphans ?? []).findIndex(
      (p) =>
        nsOf(p) === nsOf(d) &&
        ownerDeployment(p) === d.metadata.name &&
        p.metadata.labels?.['pod-template-hash'] === hash,
    );
    return index < 0 ? undefined : this.orphans?.splice(index, 1)[0];
  }

  private newPod(d: Deployment, hash: string): Pod {
    const template = d.spec.template;
    let name = podName(d.metadata.name, hash, randomPodSuffix());
    while (this.entries.has(keyOf(nsOf(d), name))) name = podName(d.metadata.name, hash, randomPodSuffix());
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: nsOf(d),
        labels: { ...template.metadata?.labels, 'pod-template-hash': hash },
        ...(template.metadata?.annotations !== undefined
          ? { annotations: template.metadata.annotations }
          : {}),
        ownerReferences: [
          {
            apiVersion: d.apiVersion,
            kind: 'Deployment',
            name: d.metadata.name,
            uid: d.metadata.uid ?? '',
            controller: true,
          },
        ],
      },
      spec: {
        ...template.spec,
        serviceAccountName: template.spec.serviceAccountName ?? template.spec.serviceAccount ?? 'default',
      },
      status: { phase: 'Pending' },
    };
  }

  private async createPod(d: Deployment, hash: string): Promise<void> {
    const adopted = this.takeOrphan(d, hash);
    const draft = adopted ?? this.newPod(d, hash);
    const key = keyOf(nsOf(draft), draft.metadata.name);
    const addresses = this.allocator.allocate(key);
    draft.status = {
      phase: 'Pending',
      podIP: addresses.podIP,
      hostIP: '127.0.0.1',
      startTime: new Date().toISOString(),
    };
    const pod =
      adopted !== undefined
        ? await this.options.backend.update(withoutVersion(draft))
        : await this.options.backend.create(draft);
    const p = pod as Pod;
    const worker = new PodWorker({
      pod: p,
      podIP: addresses.podIP,
      appHost: addresses.appHost,
      injected: hasSidecar(p),
      podDir: join(this.options.stateDir, 'pods', nsOf(p), p.metadata.name),
      isRoot: this.isRoot,
      resolve: (host, port) => this.table.resolve(nsOf(p), host, port),
      logger: this.logger,
      onStatus: (status) => this.onStatus(key, status),
      ...(this.options.startSidecar !== undefined ? { startSidecar: this.options.startSidecar } : {}),
      ...(this.options.mintPodToken !== undefined ? { mintPodToken: this.options.mintPodToken } : {}),
      ...(this.options.backoff !== undefined ? { backoff: this.options.backoff } : {}),
      ...(this.options.stopGraceMs !== undefined ? { stopGraceMs: this.options.stopGraceMs } : {}),
    });
    const entry: Entry = {
      key,
      deployment: d.metadata.name,
      hash,
      pod: p,
      worker,
      gone: false,
      writing: false,
    };
    this.entries.set(key, entry);
    this.logger.info('pod starting', { namespace: nsOf(p), pod: p.metadata.name, podIP: addresses.podIP });
    await worker.start();
  }

  private onStatus(key: string, status: NonNullable<Pod['status']>): void {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.gone || this.stopped) return;
    entry.pendingStatus = {
      ...status,
      ...(entry.pod.status?.startTime !== undefined ? { startTime: entry.pod.status.startTime } : {}),
    };
    if (!entry.writing) void this.flushStatus(entry);
    this.endpointSync.kick();
  }

  private async flushStatus(entry: Entry): Promise<void> {
    entry.writing = true;
    while (entry.pendingStatus !== undefined && !entry.gone && !this.stopped) {
      const status = entry.pendingStatus;
      entry.pendingStatus = undefined;
      try {
        entry.pod = (await this.options.backend.update(withoutVersion({ ...entry.pod, status }))) as Pod;
      } catch (err) {
        this.logger.debug('pod status not written', { pod: entry.key, err });
      }
    }
    entry.writing = false;
  }

  private async removePod(entry: Entry, deleteObject: boolean): Promise<void> {
    if (entry.gone) return;
    entry.gone = true;
    this.entries.delete(entry.key);
    this.logger.info('pod stopping', { pod: entry.key });
    await entry.worker.stop();
    this.allocator.release(entry.key);
    if (deleteObject && !this.stopped) {
      await this.options.backend.delete('Pod', entry.pod.metadata.namespace, entry.pod.metadata.name);
    }
    this.endpointSync.kick();
  }

  private podViews(): PodView[] {
    return [...this.entries.values()].map((e) => ({
      namespace: nsOf(e.pod),
      name: e.pod.metadata.name,
      ...(e.pod.metadata.uid !== undefined ? { uid: e.pod.metadata.uid } : {}),
      labels: e.pod.metadata.labels ?? {},
      ip: e.worker.status().podIP ?? '',
      ready: e.worker.ready,
      ports: e.pod.spec.containers.flatMap((c) => c.ports ?? []),
    }));
  }

  private async syncEndpoints(): Promise<void> {
    if (this.stopped) return;
    this.table.setPods(this.podViews());
    const backend = this.options.backend;
    const live = new Set<string>();
    for (const service of this.table.allServices()) {
      const endpoints: Endpoints = this.table.endpointsFor(service);
      const key = keyOf(endpoints.metadata.namespace, endpoints.metadata.name);
      live.add(key);
      const json = stableJson(endpoints);
      if (this.writtenEndpoints.get(key) === json) continue;
      const existing = await backend.get('Endpoints', endpoints.metadata.namespace, endpoints.metadata.name);
      if (existing === undefined) await backend.create(endpoints);
      else await backend.update(endpoints);
      this.writtenEndpoints.set(key, json);
    }
    for (const key of [...this.writtenEndpoints.keys()]) {
      if (live.has(key)) continue;
      this.writtenEndpoints.delete(key);
      const [ns, name] = key.split('/') as [string, string];
      await backend.delete('Endpoints', ns, name);
    }
    await this.syncDeploymentStatus();
  }

  private async syncDeploymentStatus(): Promise<void> {
    for (const d of this.deployments) {
      const pods = [...this.entries.values()].filter(
        (e) => nsOf(e.pod) === nsOf(d) && e.deployment === d.metadata.name,
      );
      const ready = pods.filter((e) => e.worker.ready).length;
      const status = {
        replicas: pods.length,
        updatedReplicas: pods.length,
        readyReplicas: ready,
        availableReplicas: ready,
      };
      if (stableJson(status) === stableJson(d.status ?? {})) continue;
      try {
        // resourceVersion kept: a concurrent apply wins and the next reconcile retries.
        Object.assign(d, await this.options.backend.update({ ...d, status }));
      } catch (err) {
        this.logger.debug('deployment status not written', {
          deployment: keyOf(d.metadata.namespace, d.metadata.name),
          err,
        });
      }
    }
  }

  pods(): Pod[] {
    return [...this.entries.values()].map((e) => ({ ...e.pod, status: e.worker.status() }));
  }

  async settle(): Promise<void> {
    await this.reconciler.idle();
    await this.endpointSync.idle();
    await Promise.all(
      [...this.entries.values()].map(async (e) => {
        while (e.writing) await new Promise((r) => setTimeout(r, 10));
      }),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    await this.reconciler.idle();
    await this.endpointSync.idle();
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => e.worker.stop()));
  }
}

/** Starts the runtime: adopts or cleans up pods left from a previous run, then follows the backend. */
export async function startRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  const runtime = new Runtime(options);
  await runtime.start();
  return runtime;
}
