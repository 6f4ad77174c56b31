// The embedded stand-in for a cluster: turns Deployments (and bare Pods) into pods that run as
// processes on their own loopback addresses, keeps Endpoints for every Service, and gives pods
// without a sidecar a plain service proxy. It reads and writes resources only through a
// RuntimeBackend. After a hard stop (SIGKILL) the pod processes keep running; the next runtime
// adopts those that still belong to their pod, like a kubelet restart leaves containers running.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Deployment, Pod, Resource, Service } from '../api/index.js';
import { silentLogger } from '../log/index.js';
import type { Logger } from '../log/index.js';
import { AddressAllocator } from './address-allocator.js';
import { EndpointsWriter } from './endpoints-writer.js';
import { runningAsRoot } from './host-port.js';
import { hasSidecar } from '../api/inject-sidecar.js';
import { killLeftoverPod, readLeftovers } from './leftover-processes.js';
import type { LeftoverPod } from './leftover-processes.js';
import { podDirectory } from './pod-directory.js';
import { POD_TEMPLATE_HASH_LABEL, ownerDeployment, podForDeployment } from './pod-factory.js';
import { podTemplateHash } from './pod-naming.js';
import { PodWorker } from './pod-worker.js';
import type { MintPodToken, StartSidecar } from './pod-worker.js';
import type { BackendWatchEvent, RuntimeBackend } from './runtime-backend.js';
import { SerialTask } from './serial-task.js';
import { ServiceTable } from './service-table.js';
import type { PodView } from './service-table.js';
import type { BackoffOptions } from './supervised-process.js';

export interface RuntimeOptions {
  backend: RuntimeBackend;
  /** Pod directories (logs, tokens, pid files) and the address file live here. */
  stateDir: string;
  /** Starts the sidecar process of an injected pod. Without it injected pods never get Ready. */
  startSidecar?: StartSidecar;
  /** Mints the pod credential written to `<stateDir>/pods/<ns>/<pod>/token` before each sidecar start. */
  mintPodToken?: MintPodToken;
  /**
   * How often a running sidecar's pod token is replaced by a fresh one (kubelet refreshes projected
   * tokens the same way), so that a sidecar whose certificate ran out long after it started can
   * still get a new one with its token. Default 30 min; keep it well below the token lifetime.
   */
  podTokenRefreshMs?: number;
  /** Override root detection (ports < 1024 are bound at +15000 when not root). */
  isRoot?: boolean;
  /** Second octet of pod IPs (default 10: 127.10.0.0/16; app hosts in 127.11.0.0/16). */
  addressBlock?: number;
  backoff?: BackoffOptions;
  stopGraceMs?: number;
  logger?: Logger;
  /**
   * Describes how `startSidecar` starts sidecars (control-plane addresses, command): a sidecar left
   * running by an earlier runtime is adopted only if this is unchanged.
   */
  sidecarLauncher?: string;
}

export interface LocalRuntime {
  /** The pods this runtime runs, with their latest status. */
  pods(): Pod[];
  /** Resolves once the changes seen so far are reconciled and written. */
  settle(): Promise<void>;
  /** Stops every pod process and listener; nothing is left running afterwards. Pod objects stay. */
  stop(): Promise<void>;
}

interface Entry {
  key: string;
  /** The owning Deployment, or undefined for a bare Pod. */
  deployment: string | undefined;
  hash: string;
  pod: Pod;
  worker: PodWorker;
  gone: boolean;
  pendingStatus?: NonNullable<Pod['status']>;
  writing: boolean;
}

const keyOf = (ns: string | undefined, name: string): string => `${ns ?? 'default'}/${name}`;
const nsOf = (r: Resource): string => r.metadata.namespace ?? 'default';

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
  private readonly writer: EndpointsWriter;
  private deployments: Deployment[] = [];
  /** Pods of Deployments left from an earlier run, adopted when their template is unchanged. */
  private orphans: Pod[] | undefined;
  private unwatch: (() => void) | undefined;
  private stopped = false;
  /** Pods being stopped because someone deleted them; stop() waits for these too. */
  private readonly removals = new Set<Promise<void>>();
  /** Processes left running by an earlier runtime, by pod key, until their pod is run or dropped. */
  private readonly leftovers = new Map<string, LeftoverPod & { uid: string }>();
  /** Endpoints wait for the first reconcile: until then adopted pods would look missing. */
  private reconciledOnce = false;

  constructor(private readonly options: RuntimeOptions) {
    this.isRoot = options.isRoot ?? runningAsRoot();
    this.logger = options.logger ?? silentLogger;
    this.allocator = new AddressAllocator(options.addressBlock, join(options.stateDir, 'pod-addresses.json'));
    this.writer = new EndpointsWriter(options.backend, this.logger);
    const onError = (err: unknown): void => this.logger.error('runtime sync failed', { err });
    this.reconciler = new SerialTask(() => this.reconcile(), onError);
    this.endpointSync = new SerialTask(() => this.syncEndpoints(), onError);
  }

  async start(): Promise<void> {
    const kinds = ['Deployment', 'Service', 'Pod', 'Namespace'] as const;
    this.unwatch = this.options.backend.watch({ kinds }, (e) => this.onEvent(e));
    const pods = (await this.options.backend.list('Pod')).items as Pod[];
    this.keepLeftovers(pods);
    this.orphans = pods.filter((p) => ownerDeployment(p) !== undefined);
    this.reconciler.kick();
    await this.reconciler.idle();
  }

  /**
   * Keeps the processes of pods that are still in the store, with their addresses reserved, for
   * runPod to adopt; kills those of pods deleted meanwhile (or whose address is now another's).
   */
  private keepLeftovers(pods: Pod[]): void {
    const killed: number[] = [];
    for (const [key, leftover] of readLeftovers(this.options.stateDir)) {
      const pod = pods.find((p) => keyOf(p.metadata.namespace, p.metadata.name) === key);
      const uid = pod?.metadata.uid;
      const podIP = pod?.status?.podIP;
      if (uid !== undefined && podIP !== undefined && this.allocator.reserve(key, podIP)) {
        this.leftovers.set(key, { ...leftover, uid });
      } else {
        killed.push(...killLeftoverPod(leftover));
        if (pod === undefined) this.allocator.release(key); // deleted while no runtime ran
      }
    }
    if (killed.length > 0) this.logger.warn('stopped processes left from an earlier run', { pids: killed });
  }

  /** Kills what no pod took over (its Deployment went or changed while no runtime ran). */
  private dropLeftovers(): void {
    const killed: number[] = [];
    for (const [key, leftover] of this.leftovers) {
      killed.push(...killLeftoverPod(leftover));
      if (!this.entries.has(key)) this.allocator.release(key);
    }
    this.leftovers.clear();
    if (killed.length > 0) this.logger.warn('stopped processes left from an earlier run', { pids: killed });
  }

  private onEvent(event: BackendWatchEvent): void {
    if (this.stopped) return;
    if (event.object.kind !== 'Pod') return this.reconciler.kick();
    const pod = event.object;
    const entry = this.entries.get(keyOf(pod.metadata.namespace, pod.metadata.name));
    if (
      event.type === 'DELETED' &&
      entry !== undefined &&
      !entry.gone &&
      pod.metadata.uid === entry.pod.metadata.uid
    ) {
      // Deleted by someone else (delete pod, delete ns): stop it; its Deployment makes a new one.
      const removal = this.removePod(entry, false).then(() => this.reconciler.kick());
      this.removals.add(removal);
      void removal.finally(() => this.removals.delete(removal));
    } else if (event.type === 'ADDED' && entry === undefined && ownerDeployment(pod) === undefined) {
      this.reconciler.kick(); // a bare Pod to run
    }
    // Our own status writes come back as MODIFIED and need nothing.
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const backend = this.options.backend;
    const [deployments, services, pods] = await Promise.all([
      backend.list('Deployment'),
      backend.list('Service'),
      backend.list('Pod'),
    ]);
    this.deployments = deployments.items as Deployment[];
    this.table.setServices(services.items as Service[]);
    const wanted = new Set(this.deployments.map((d) => keyOf(d.metadata.namespace, d.metadata.name)));
    for (const d of this.deployments) await this.reconcileDeployment(d);
    await this.reconcileBarePods(pods.items as Pod[]);
    for (const entry of [...this.entries.values()]) {
      if (entry.deployment !== undefined && !wanted.has(keyOf(nsOf(entry.pod), entry.deployment))) {
        await this.removePod(entry, true);
      }
    }
    if (this.orphans !== undefined) await this.dropOrphans(services.items);
    this.dropLeftovers();
    this.reconciledOnce = true;
    this.endpointSync.kick();
  }

  private async dropOrphans(services: Resource[]): Promise<void> {
    const leftovers = this.orphans ?? [];
    this.orphans = undefined;
    await Promise.all(
      leftovers.map((p) => this.options.backend.delete('Pod', p.metadata.namespace, p.metadata.name)),
    );
    await this.writer.removeOrphans(
      new Set(services.map((s) => keyOf(s.metadata.namespace, s.metadata.name))),
    );
  }

  private async reconcileDeployment(d: Deployment): Promise<void> {
    const hash = podTemplateHash(d.spec.template);
    const replicas = Math.max(0, d.spec.replicas ?? 1);
    const mine = [...this.entries.values()].filter(
      (e) => nsOf(e.pod) === nsOf(d) && e.deployment === d.metadata.name,
    );
    const current = mine.filter((e) => e.hash === hash);
    // A changed template replaces every pod; extra replicas go.
    const doomed = [...mine.filter((e) => e.hash !== hash), ...current.slice(replicas)];
    await Promise.all(doomed.map((e) => this.removePod(e, true)));
    for (let i = current.length; i < replicas && !this.stopped; i++) {
      const adopted = this.takeOrphan(d, hash);
      const taken = (name: string): boolean => this.entries.has(keyOf(nsOf(d), name));
      await this.runPod(
        adopted ?? podForDeployment(d, hash, taken),
        d.metadata.name,
        hash,
        adopted !== undefined,
      );
    }
  }

  private async reconcileBarePods(pods: Pod[]): Promise<void> {
    const bare = pods.filter((p) => ownerDeployment(p) === undefined);
    const present = new Set(bare.map((p) => `${keyOf(nsOf(p), p.metadata.name)}#${p.metadata.uid}`));
    for (const entry of [...this.entries.values()]) {
      if (entry.deployment === undefined && !present.has(`${entry.key}#${entry.pod.metadata.uid}`)) {
        await this.removePod(entry, false);
      }
    }
    for (const pod of bare) {
      if (!this.entries.has(keyOf(nsOf(pod), pod.metadata.name)) && !this.stopped) {
        await this.runPod(pod, undefined, '', true);
      }
    }
  }

  private takeOrphan(d: Deployment, hash: string): Pod | undefined {
    const index = (this.orphans ?? []).findIndex(
      (p) =>
        nsOf(p) === nsOf(d) &&
        ownerDeployment(p) === d.metadata.name &&
        p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash,
    );
    return index < 0 ? undefined : this.orphans?.splice(index, 1)[0];
  }

  /** Writes the pod (create, or update when it already exists) and starts its processes. */
  private async runPod(
    draft: Pod,
    deployment: string | undefined,
    hash: string,
    exists: boolean,
  ): Promise<void> {
    const key = keyOf(nsOf(draft), draft.metadata.name);
    const leftover = this.leftovers.get(key);
    this.leftovers.delete(key);
    const adopting = exists && leftover !== undefined && leftover.uid === draft.metadata.uid;
    const addresses = this.allocator.allocate(key);
    const backend = this.options.backend;
    let pod = draft;
    if (!adopting) {
      // An adopted pod keeps the status in the store (Ready) until its worker has probed it.
      const startTime = new Date().toISOString();
      draft.status = { phase: 'Pending', podIP: addresses.podIP, hostIP: '127.0.0.1', startTime };
      pod = (exists ? await backend.update(withoutVersion(draft)) : await backend.create(draft)) as Pod;
    }
    const worker = new PodWorker({
      pod,
      podIP: addresses.podIP,
      appHost: addresses.appHost,
      injected: hasSidecar(pod),
      dir: podDirectory(this.options.stateDir, nsOf(pod), pod.metadata.name),
      isRoot: this.isRoot,
      resolve: (host, port) => this.table.resolve(nsOf(pod), host, port),
      logger: this.logger,
      onStatus: (status) => this.onStatus(key, status),
      ...(this.options.startSidecar !== undefined ? { startSidecar: this.options.startSidecar } : {}),
      ...(this.options.mintPodToken !== undefined ? { mintPodToken: this.options.mintPodToken } : {}),
      ...(this.options.podTokenRefreshMs !== undefined
        ? { podTokenRefreshMs: this.options.podTokenRefreshMs }
        : {}),
      ...(this.options.backoff !== undefined ? { backoff: this.options.backoff } : {}),
      ...(this.options.stopGraceMs !== undefined ? { stopGraceMs: this.options.stopGraceMs } : {}),
      ...(this.options.sidecarLauncher !== undefined
        ? { sidecarLauncher: this.options.sidecarLauncher }
        : {}),
      // The worker adopts what still runs as this pod (same UID and spec) and kills the rest.
      ...(leftover !== undefined ? { leftovers: leftover.pids } : {}),
    });
    this.entries.set(key, { key, deployment, hash, pod, worker, gone: false, writing: false });
    this.logger.info('pod starting', {
      namespace: nsOf(pod),
      pod: pod.metadata.name,
      podIP: addresses.podIP,
    });
    try {
      await worker.start();
    } catch (err) {
      // Kept in place (not retried in a loop); its status shows it never became ready.
      this.logger.error('pod could not start', { pod: key, err });
    }
  }

  private onStatus(key: string, status: NonNullable<Pod['status']>): void {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.gone || this.stopped) return;
    const startTime = entry.pod.status?.startTime;
    entry.pendingStatus = { ...status, ...(startTime !== undefined ? { startTime } : {}) };
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
    rmSync(entry.worker.dir.path, { recursive: true, force: true });
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
      ip: e.pod.status?.podIP ?? '',
      ready: e.worker.ready,
      ports: e.pod.spec.containers.flatMap((c) => c.ports ?? []),
    }));
  }

  private async syncEndpoints(): Promise<void> {
    if (this.stopped || !this.reconciledOnce) return;
    this.table.setPods(this.podViews());
    await this.writer.writeEndpoints(this.table);
    await this.writer.writeDeploymentStatus(this.deployments, (d) => {
      const pods = [...this.entries.values()].filter(
        (e) => nsOf(e.pod) === nsOf(d) && e.deployment === d.metadata.name,
      );
      return { replicas: pods.length, ready: pods.filter((e) => e.worker.ready).length };
    });
  }

  pods(): Pod[] {
    return [...this.entries.values()].map((e) => ({ ...e.pod, status: e.worker.status() }));
  }

  async settle(): Promise<void> {
    await this.reconciler.idle();
    await this.endpointSync.idle();
    for (const e of this.entries.values()) {
      for (let i = 0; i < 500 && e.writing; i++) await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    await this.reconciler.idle();
    await this.endpointSync.idle();
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all([...entries.map((e) => e.worker.stop()), ...this.removals]);
  }
}

/** Starts the runtime: adopts or cleans up pods left from a previous run, then follows the backend. */
export async function startRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  const runtime = new Runtime(options);
  await runtime.start();
  return runtime;
}
