// Runs the controllers (Deployment, scheduler, node lifecycle, Endpoints) as one loop: a watch on
// the kinds they read kicks a pass, a pass lists those kinds once and lets each controller write
// what differs, in that order (pods made, then placed, then judged, then listed). Passes never
// overlap and a burst of changes costs at most two (SerialTask). A timer runs the node lifecycle
// every monitor period, since heartbeats that do NOT come are what it reacts to. It is the work
// that must run once across control-plane replicas: start/stop is what the leader election
// (ControlPlane.leaderElection, runWhileLeader('controllers')) drives, again each time it leads.

import { nodeIsReady, stableJson } from '../../api/index.js';
import type { Node, Pod } from '../../api/index.js';
import type { Clock } from '../../identity/index.js';
import { systemClock } from '../../identity/index.js';
import type { Logger } from '../../log/index.js';
import { readClusterView } from './cluster-view.js';
import { DeploymentController } from './deployment-controller.js';
import { EndpointsController } from './endpoints-controller.js';
import { NodeLifecycleController } from './node-lifecycle-controller.js';
import type { BackendWatchEvent, ResourceBackend } from './resource-backend.js';
import { Scheduler } from './scheduler.js';
import { NodeIpamController } from './node-ipam-controller.js';
import { DEFAULT_NODE_CIDR_MASK_SIZE, parseCidr } from './pod-cidr-plan.js';
import { SerialTask } from './serial-task.js';

/** How often node agents write their heartbeat (Node status). */
export const NODE_HEARTBEAT_MS = 2_000;
/** A node whose heartbeat has not changed for this long becomes NotReady (5 missed heartbeats). */
export const NODE_MONITOR_GRACE_MS = 10_000;
/** How often the node lifecycle controller looks at heartbeats. */
export const NODE_MONITOR_PERIOD_MS = 1_000;
/** How long a node stays NotReady before its pods are deleted and made again elsewhere. */
export const POD_EVICTION_TIMEOUT_MS = 30_000;

/** The node lifecycle bounds a user may set (`automesh up` flags, the config file). */
export interface ControllerSettings {
  /** Default NODE_MONITOR_GRACE_MS. */
  nodeMonitorGraceMs?: number;
  /** Default NODE_MONITOR_PERIOD_MS. */
  nodeMonitorPeriodMs?: number;
  /** Default POD_EVICTION_TIMEOUT_MS. */
  podEvictionTimeoutMs?: number;
  /**
   * The cluster pod range (`198.19.0.0/16`) when pods are routed between hosts: every Node then
   * gets a `nodeCidrMaskSize` block of it as spec.podCIDR. Absent: nodes state their own (loopback).
   */
  clusterCIDR?: string;
  /** Default DEFAULT_NODE_CIDR_MASK_SIZE (/24). */
  nodeCidrMaskSize?: number;
}

export interface ControllerOptions extends ControllerSettings {
  backend: ResourceBackend;
  logger: Logger;
  clock?: Clock;
}

/** A Node change matters to the other controllers only when readiness or placement facts change. */
const placementFacts = (node: Node): string =>
  stableJson({ ready: nodeIsReady(node), labels: node.metadata.labels ?? {}, spec: node.spec ?? {} });

function ipamFor(options: ControllerOptions): NodeIpamController | undefined {
  if (options.clusterCIDR === undefined) return undefined;
  const cluster = parseCidr(options.clusterCIDR);
  const mask = options.nodeCidrMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE;
  if (cluster === undefined || mask < cluster.prefix || mask > 30)
    throw new RangeError(
      `the cluster pod range "${options.clusterCIDR}" is not an IPv4 CIDR wider than /${mask}`,
    );
  return new NodeIpamController(options.backend, cluster, mask, options.logger.child('node-ipam'));
}

export class ControllerManager {
  private readonly deployments: DeploymentController;
  private readonly scheduler: Scheduler;
  private readonly lifecycle: NodeLifecycleController;
  private readonly endpoints: EndpointsController;
  private readonly ipam: NodeIpamController | undefined;
  /** One task for both kinds of pass, so controllers never run concurrently with themselves. */
  private readonly pass: SerialTask;
  /** Set by watch events: the next pass reads everything, otherwise it only judges nodes. */
  private fullPassWanted = true;
  private readonly nodeFacts = new Map<string, string>();
  private unwatch: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: ControllerOptions) {
    const { backend, logger } = options;
    this.deployments = new DeploymentController(backend, logger.child('deployment'));
    this.scheduler = new Scheduler(backend, logger.child('scheduler'));
    this.lifecycle = new NodeLifecycleController(
      backend,
      {
        gracePeriodMs: options.nodeMonitorGraceMs ?? NODE_MONITOR_GRACE_MS,
        evictionTimeoutMs: options.podEvictionTimeoutMs ?? POD_EVICTION_TIMEOUT_MS,
      },
      options.clock ?? systemClock,
      logger.child('node-lifecycle'),
    );
    this.endpoints = new EndpointsController(backend, logger.child('endpoints'));
    this.ipam = ipamFor(options);
    const onError = (err: unknown): void => logger.warn('controller pass failed', { err });
    this.pass = new SerialTask(() => this.runPass(), onError);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lifecycle.forget(); // each time it leads, every node's grace starts afresh
    const kinds = ['Deployment', 'Pod', 'Service', 'Endpoints', 'Node'] as const;
    this.unwatch = this.options.backend.watch({ kinds }, (e) => this.onEvent(e));
    this.fullPassWanted = true;
    this.pass.kick();
    const period = this.options.nodeMonitorPeriodMs ?? NODE_MONITOR_PERIOD_MS;
    this.timer = setInterval(() => this.pass.kick(), period);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.pass.idle();
  }

  /** Resolves once the changes seen so far have been acted on. */
  async settle(): Promise<void> {
    await this.pass.idle();
  }

  private onEvent(event: BackendWatchEvent): void {
    if (!this.running) return;
    if (event.object.kind === 'Node') {
      const name = event.object.metadata.name;
      const facts = event.type === 'DELETED' ? 'gone' : placementFacts(event.object);
      if (this.nodeFacts.get(name) === facts) return; // a heartbeat: the timer looks at those
      this.nodeFacts.set(name, facts);
    }
    this.fullPassWanted = true;
    this.pass.kick();
  }

  private async runPass(): Promise<void> {
    if (!this.running) return;
    if (!this.fullPassWanted) return this.runLifecyclePass();
    this.fullPassWanted = false;
    const view = await readClusterView(this.options.backend);
    for (const node of view.nodes) this.nodeFacts.set(node.metadata.name, placementFacts(node));
    await this.ipam?.reconcile(view);
    await this.deployments.reconcile(view);
    await this.scheduler.reconcile(view);
    await this.lifecycle.reconcile(view);
    await this.endpoints.reconcile(view);
  }

  private async runLifecyclePass(): Promise<void> {
    if (!this.running) return;
    const [nodes, pods] = await Promise.all([
      this.options.backend.list('Node'),
      this.options.backend.list('Pod'),
    ]);
    await this.lifecycle.reconcile({ nodes: nodes.items as Node[], pods: pods.items as Pod[] });
  }
}
