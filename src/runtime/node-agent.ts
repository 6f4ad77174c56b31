// The node agent (automesh's kubelet): registers its Node and heartbeats (node-registration), runs
// the pods the scheduler bound to it (spec.nodeName) as processes on addresses from its own range,
// writes their status (pod-status-writer), and gives pods without a sidecar a plain service proxy
// that resolves Services over every node's ready pods. It creates and deletes no Pod objects and
// writes no Endpoints: the control plane's controllers do. After a hard stop (SIGKILL) the pod
// processes keep running; the next agent adopts those that still belong to their pod.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { endpointPodOf, namespaceOf, podIsReady, runsSidecar } from '../api/index.js';
import type { EndpointPod, Node, Pod, Service } from '../api/index.js';
import { NODE_HEARTBEAT_MS, SerialTask, namespacedKey } from '../controlplane/index.js';
import { silentLogger } from '../log/index.js';
import type { Logger } from '../log/index.js';
import { AddressAllocator, DEFAULT_ADDRESS_BLOCK } from './address-allocator.js';
import type { PodAddresses } from './address-allocator.js';
import { runningAsRoot } from './host-port.js';
import { killLeftoverPod, readLeftovers } from './leftover-processes.js';
import type { LeftoverPod } from './leftover-processes.js';
import { NodeRegistration } from './node-registration.js';
import { podDirectory } from './pod-directory.js';
import { PodNetwork, podRoutesOf } from './pod-network.js';
import { PodStatusWriter } from './pod-status-writer.js';
import { PodWorker } from './pod-worker.js';
import type { MintPodToken, StartSidecar } from './pod-worker.js';
import type { BackendWatchEvent, RuntimeBackend } from './runtime-backend.js';
import { ServiceTable } from './service-table.js';
import type { BackoffOptions } from './supervised-process.js';

/** How often the agent relists its pods whatever the watch said (a watch that reconnected may have missed events). */
export const NODE_RESYNC_MS = 10_000;
/** How long a routed node waits for the control plane to give its Node a podCIDR. */
const POD_CIDR_WAIT_MS = 30_000;

export interface NodeAgentOptions {
  backend: RuntimeBackend;
  /** Pod directories (logs, tokens, pid files) and the address file live here. */
  stateDir: string;
  /** The Node this agent registers and whose pods it runs. */
  nodeName: string;
  /** Node status.addresses InternalIP and every pod's status.hostIP (default 127.0.0.1). */
  internalIP?: string;
  /** Second octet of pod IPs (default 10: 127.10.0.0/16, the node's podCIDR; app hosts in 127.11.0.0/16). */
  addressBlock?: number;
  /**
   * `loopback` (the default): pod IPs on 127.B, reachable on this host only, no root needed.
   * `routed`: the control plane gives the Node a podCIDR; pod IPs come from it and go on `lo`,
   * other nodes' podCIDRs get routes via their InternalIP (pod-network.ts; root). App hosts stay
   * on 127.B+1.
   */
  podNetwork?: 'loopback' | 'routed';
  /** Extra labels of the Node (nodeSelector matches them). */
  labels?: Record<string, string>;
  /** How often the Node's heartbeat is written (default NODE_HEARTBEAT_MS). */
  heartbeatMs?: number;
  /** Starts the sidecar process of an injected pod. Without it injected pods never get Ready. */
  startSidecar?: StartSidecar;
  /** Mints the pod credential written to `<stateDir>/pods/<ns>/<pod>/token` before each sidecar start. */
  mintPodToken?: MintPodToken;
  /**
   * How often a running sidecar's pod token is replaced by a fresh one (kubelet refreshes projected
   * tokens the same way). Default 30 min; keep it well below the token lifetime.
   */
  podTokenRefreshMs?: number;
  /** Override root detection (ports < 1024 are bound at +15000 when not root). */
  isRoot?: boolean;
  backoff?: BackoffOptions;
  stopGraceMs?: number;
  logger?: Logger;
  /**
   * Describes how `startSidecar` starts sidecars (control-plane addresses, command): a sidecar left
   * running by an earlier agent is adopted only if this is unchanged.
   */
  sidecarLauncher?: string;
}

export interface NodeAgent {
  readonly nodeName: string;
  /** The pods this agent runs, with their latest status. */
  pods(): Pod[];
  /** Resolves once the changes seen so far are acted on and their status written. */
  settle(): Promise<void>;
  /** Stops heartbeats and every pod process and listener. Pod and Node objects stay. */
  stop(): Promise<void>;
}

interface Entry {
  key: string;
  uid: string | undefined;
  worker: PodWorker;
  status: PodStatusWriter;
  gone: boolean;
}

const keyOf = (pod: Pod): string => namespacedKey(pod);
const nsOf = (pod: Pod): string => namespaceOf(pod);

class Agent implements NodeAgent {
  readonly nodeName: string;
  private readonly entries = new Map<string, Entry>();
  private readonly table = new ServiceTable();
  private allocator: AddressAllocator;
  private readonly network: PodNetwork | undefined;
  private readonly registration: NodeRegistration;
  private readonly isRoot: boolean;
  private readonly internalIP: string;
  private readonly logger: Logger;
  private readonly reconciler: SerialTask;
  private unwatch: (() => void) | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Pods being stopped because they were deleted or moved; stop() waits for these too. */
  private readonly removals = new Set<Promise<void>>();
  /** Processes left running by an earlier agent, by pod key, until their pod is run or dropped. */
  private readonly leftovers = new Map<string, LeftoverPod & { uid: string }>();

  constructor(private readonly options: NodeAgentOptions) {
    this.nodeName = options.nodeName;
    this.isRoot = options.isRoot ?? runningAsRoot();
    this.internalIP = options.internalIP ?? '127.0.0.1';
    this.logger = options.logger ?? silentLogger;
    const block = options.addressBlock ?? DEFAULT_ADDRESS_BLOCK;
    // Routed: replaced once the Node has its podCIDR (start()); loopback: the node states its range.
    this.allocator = new AddressAllocator(block, join(options.stateDir, 'pod-addresses.json'));
    this.network =
      options.podNetwork === 'routed' ? new PodNetwork(this.logger.child('pod-network')) : undefined;
    this.registration = new NodeRegistration({
      backend: options.backend,
      nodeName: options.nodeName,
      internalIP: this.internalIP,
      ...(this.network === undefined ? { podCIDR: this.allocator.cidr } : {}),
      ...(options.labels !== undefined ? { labels: options.labels } : {}),
      heartbeatMs: options.heartbeatMs ?? NODE_HEARTBEAT_MS,
      logger: this.logger,
      onRecovered: () => this.reconciler.kick(),
    });
    const onError = (err: unknown): void => this.logger.error('node agent sync failed', { err });
    this.reconciler = new SerialTask(() => this.reconcile(), onError);
  }

  async start(): Promise<void> {
    await this.registration.start();
    if (this.network !== undefined) {
      const podCIDR = await this.assignedPodCidr();
      const block = this.options.addressBlock ?? DEFAULT_ADDRESS_BLOCK;
      this.allocator = AddressAllocator.inRange(
        podCIDR,
        block + 1,
        join(this.options.stateDir, 'pod-addresses.json'),
      );
      this.logger.info('pods routed between hosts', { podCIDR });
    }
    const kinds =
      this.network === undefined ? (['Pod', 'Service'] as const) : (['Pod', 'Service', 'Node'] as const);
    this.unwatch = this.options.backend.watch({ kinds }, (e) => this.onEvent(e));
    const pods = (await this.options.backend.list('Pod')).items as Pod[];
    this.keepLeftovers(pods);
    this.reconciler.kick();
    await this.reconciler.idle();
    this.resyncTimer = setInterval(() => this.reconciler.kick(), NODE_RESYNC_MS);
  }

  /** The podCIDR the control plane gave this Node (its node IPAM), waited for. */
  private async assignedPodCidr(): Promise<string> {
    const deadline = Date.now() + POD_CIDR_WAIT_MS;
    for (;;) {
      const node = (await this.options.backend.get('Node', undefined, this.nodeName)) as Node | undefined;
      const podCIDR = node?.spec?.podCIDR;
      if (podCIDR !== undefined && !podCIDR.startsWith('127.')) return podCIDR;
      if (Date.now() > deadline)
        throw new Error(
          `node "${this.nodeName}" got no pod range within ${POD_CIDR_WAIT_MS / 1000} s: is the control plane started with --pod-cidr?`,
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Pods this agent should run: bound to its node. */
  private isMine(pod: Pod): boolean {
    return pod.spec.nodeName === this.nodeName;
  }

  /**
   * Keeps the processes of pods that are still in the store for this node (or not placed yet),
   * with their addresses reserved, for runPod to adopt; kills those of pods deleted meanwhile,
   * bound elsewhere, or whose address is now another's.
   */
  private keepLeftovers(pods: Pod[]): void {
    const killed: number[] = [];
    for (const [key, leftover] of readLeftovers(this.options.stateDir)) {
      const pod = pods.find((p) => keyOf(p) === key);
      const ours = pod !== undefined && (pod.spec.nodeName === undefined || this.isMine(pod));
      const uid = pod?.metadata.uid;
      const podIP = pod?.status?.podIP;
      if (ours && uid !== undefined && podIP !== undefined && this.allocator.reserve(key, podIP)) {
        this.leftovers.set(key, { ...leftover, uid });
      } else {
        killed.push(...killLeftoverPod(leftover));
        if (!ours) this.allocator.release(key);
      }
    }
    if (killed.length > 0) this.logger.warn('stopped processes left from an earlier run', { pids: killed });
  }

  /** Kills what no pod took over: its pod is gone or runs elsewhere now. */
  private dropLeftovers(pods: Pod[]): void {
    const killed: number[] = [];
    for (const [key, leftover] of this.leftovers) {
      const pod = pods.find((p) => keyOf(p) === key && p.metadata.uid === leftover.uid);
      if (pod !== undefined && pod.spec.nodeName === undefined) continue; // not placed yet: wait
      this.leftovers.delete(key);
      killed.push(...killLeftoverPod(leftover));
      if (!this.entries.has(key)) this.allocator.release(key);
    }
    if (killed.length > 0) this.logger.warn('stopped processes left from an earlier run', { pids: killed });
  }

  private onEvent(event: BackendWatchEvent): void {
    if (this.stopped) return;
    const object = event.object;
    if (event.type === 'DELETED' && object.kind === 'Pod') {
      const entry = this.entries.get(keyOf(object));
      // Deleted (by a controller, kubectl, a namespace going): stop it now, not at the next pass.
      if (entry !== undefined && entry.uid === object.metadata.uid) this.remove(entry);
    }
    this.reconciler.kick();
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const [services, list, nodes] = await Promise.all([
      this.options.backend.list('Service'),
      this.options.backend.list('Pod'),
      this.network === undefined ? undefined : this.options.backend.list('Node'),
    ]);
    if (this.network !== undefined && nodes !== undefined)
      await this.network.syncRoutes(podRoutesOf(nodes.items as Node[], this.nodeName));
    const pods = list.items as Pod[];
    this.table.setServices(services.items as Service[]);
    const mine = new Map(pods.filter((p) => this.isMine(p)).map((p) => [keyOf(p), p]));
    for (const entry of [...this.entries.values()]) {
      const stored = mine.get(entry.key);
      if (stored === undefined || stored.metadata.uid !== entry.uid) this.remove(entry);
    }
    for (const [key, pod] of mine) {
      if (this.stopped) return;
      const entry = this.entries.get(key);
      if (entry === undefined) await this.runPod(pod);
      else this.restate(entry, pod);
    }
    this.dropLeftovers(pods);
    this.table.setPods(this.endpointPods(pods));
  }

  /**
   * A stored pod of ours whose readiness differs from what its worker sees (the node lifecycle
   * controller marked it not Ready while this node looked dead): write the truth again.
   */
  private restate(entry: Entry, stored: Pod): void {
    entry.status.rebase(stored);
    if (podIsReady(stored) !== entry.worker.ready && !entry.worker.starting) {
      entry.status.write(this.statusOf(entry));
    }
  }

  /** Every node's pods as endpoints for the plain service proxy; ours with their live readiness. */
  private endpointPods(pods: Pod[]): EndpointPod[] {
    return pods.flatMap((p) => {
      const view = endpointPodOf(p);
      if (view === undefined) return [];
      const entry = this.isMine(p) ? this.entries.get(keyOf(p)) : undefined;
      return [entry === undefined ? view : { ...view, ready: entry.worker.ready }];
    });
  }

  private addressesFor(key: string, pod: Pod): PodAddresses {
    const stored = pod.status?.podIP;
    if (stored !== undefined) this.allocator.reserve(key, stored); // keeps its address if still free
    return this.allocator.allocate(key);
  }

  /** Writes the pod's address (unless adopting) and starts its processes. */
  private async runPod(pod: Pod): Promise<void> {
    const key = keyOf(pod);
    const leftover = this.leftovers.get(key);
    this.leftovers.delete(key);
    const adopting = leftover !== undefined && leftover.uid === pod.metadata.uid;
    const addresses = this.addressesFor(key, pod);
    const status = new PodStatusWriter(pod, this.options.backend, this.logger);
    if (!adopting) {
      // An adopted pod keeps the status in the store (Ready) until its worker has probed it.
      const startTime = new Date().toISOString();
      const conditions = (pod.status?.conditions ?? []).filter((c) => c.type === 'PodScheduled');
      try {
        await status.writeNow({
          phase: 'Pending',
          podIP: addresses.podIP,
          hostIP: this.internalIP,
          startTime,
          conditions,
        });
      } catch (err) {
        // Deleted or moved meanwhile: the next pass sees it as it is now.
        this.logger.debug('pod not started: its status could not be written', { pod: key, err });
        this.allocator.release(key);
        return;
      }
    }
    if (this.network !== undefined) await this.network.addAddress(addresses.podIP);
    const worker = this.workerFor(status.current, addresses, key, leftover?.pids);
    const entry: Entry = { key, uid: pod.metadata.uid, worker, status, gone: false };
    this.entries.set(key, entry);
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

  private workerFor(
    pod: Pod,
    addresses: PodAddresses,
    key: string,
    leftovers: ReadonlyMap<string, number> | undefined,
  ): PodWorker {
    const o = this.options;
    return new PodWorker({
      pod,
      podIP: addresses.podIP,
      appHost: addresses.appHost,
      hostIP: this.internalIP,
      injected: runsSidecar(pod),
      dir: podDirectory(o.stateDir, nsOf(pod), pod.metadata.name),
      isRoot: this.isRoot,
      resolve: (host, port) => this.table.resolve(nsOf(pod), host, port),
      logger: this.logger,
      onStatus: () => this.onStatus(key),
      ...(o.startSidecar !== undefined ? { startSidecar: o.startSidecar } : {}),
      ...(o.mintPodToken !== undefined ? { mintPodToken: o.mintPodToken } : {}),
      ...(o.podTokenRefreshMs !== undefined ? { podTokenRefreshMs: o.podTokenRefreshMs } : {}),
      ...(o.backoff !== undefined ? { backoff: o.backoff } : {}),
      ...(o.stopGraceMs !== undefined ? { stopGraceMs: o.stopGraceMs } : {}),
      ...(o.sidecarLauncher !== undefined ? { sidecarLauncher: o.sidecarLauncher } : {}),
      // The worker adopts what still runs as this pod (same UID and spec) and kills the rest.
      ...(leftovers !== undefined ? { leftovers } : {}),
    });
  }

  private statusOf(entry: Entry): NonNullable<Pod['status']> {
    const startTime = entry.status.current.status?.startTime;
    return { ...entry.worker.status(), ...(startTime !== undefined ? { startTime } : {}) };
  }

  private onStatus(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.gone || this.stopped) return;
    entry.status.write(this.statusOf(entry));
    this.reconciler.kick(); // the plain service proxy's view of readiness
  }

  /** Stops a pod's processes and frees its address and directory; its object is not touched. */
  private remove(entry: Entry): void {
    if (entry.gone) return;
    entry.gone = true;
    entry.status.close();
    this.entries.delete(entry.key);
    this.logger.info('pod stopping', { pod: entry.key });
    const removal = (async () => {
      await entry.worker.stop();
      if (this.entries.has(entry.key)) return; // a new pod of that name already took the address
      if (this.network !== undefined) await this.network.removeAddress(entry.worker.podIP);
      this.allocator.release(entry.key);
      rmSync(entry.worker.dir.path, { recursive: true, force: true });
    })();
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
  }

  pods(): Pod[] {
    return [...this.entries.values()].map((e) => ({ ...e.status.current, status: this.statusOf(e) }));
  }

  async settle(): Promise<void> {
    await this.reconciler.idle();
    await Promise.all([...this.removals]);
    await Promise.all([...this.entries.values()].map((e) => e.status.idle()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    if (this.resyncTimer !== undefined) clearInterval(this.resyncTimer);
    await this.registration.stop();
    await this.reconciler.idle();
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const e of entries) e.status.close();
    await Promise.all([...entries.map((e) => e.worker.stop()), ...this.removals]);
    if (this.network !== undefined) {
      for (const e of entries) await this.network.removeAddress(e.worker.podIP);
      await this.network.syncRoutes(new Map());
    }
  }
}

/** Starts the node agent: registers the node, adopts or cleans up pods left from a previous run, then follows the backend. */
export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const agent = new Agent(options);
  await agent.start();
  return agent;
}
