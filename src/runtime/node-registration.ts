// The node agent's own Node object: registered at start (created, or taken over when it exists:
// the labels others added stay), then heartbeats, each one a write of the Ready condition with a
// fresh lastHeartbeatTime, which is what the control plane's node lifecycle controller watches.
// A heartbeat that fails is logged once per outage; the first one after an outage tells the agent
// (onRecovered), which relists what it may have missed meanwhile.

import { readFileSync } from 'node:fs';
import { arch, platform, release, version as osVersion } from 'node:os';
import { NODE_HOSTNAME_LABEL, nodeReadyCondition } from '../api/index.js';
import type { Labels, Node, NodeCondition } from '../api/index.js';
import type { Logger } from '../log/index.js';
import type { RuntimeBackend } from './runtime-backend.js';

/** What `kubectl get nodes` shows under VERSION. */
export const NODE_AGENT_VERSION = 'v0.1.0-automesh';

export interface NodeIdentity {
  nodeName: string;
  /** The host's address other hosts reach its pods through; every pod's status.hostIP. */
  internalIP: string;
  /**
   * The node's pod address range (`127.B.0.0/16`) when the node states its own; absent when the
   * control plane assigns one (pods routed between hosts): the stored one is kept.
   */
  podCIDR?: string;
  labels?: Labels;
}

export interface NodeRegistrationOptions extends NodeIdentity {
  backend: RuntimeBackend;
  heartbeatMs: number;
  logger: Logger;
  onRecovered: () => void;
}

/** OS-IMAGE as kubelet reports it: PRETTY_NAME of /etc/os-release, else the kernel's version string. */
function osImage(): string {
  try {
    const line = readFileSync('/etc/os-release', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('PRETTY_NAME='));
    if (line !== undefined) return line.slice('PRETTY_NAME='.length).replace(/^"|"$/g, '');
  } catch {
    // not Linux, or no os-release: fall through to what the kernel says
  }
  return osVersion();
}

const OS_IMAGE = osImage();

/** The Node as this agent states it, on top of what is stored (labels and taints others set stay). */
export function nodeObject(identity: NodeIdentity, stored: Node | undefined, nowIso: string): Node {
  const previous = stored === undefined ? undefined : nodeReadyCondition(stored);
  const ready: NodeCondition = {
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    message: 'automesh node agent is posting ready status',
    lastHeartbeatTime: nowIso,
    lastTransitionTime: previous?.status === 'True' ? (previous.lastTransitionTime ?? nowIso) : nowIso,
  };
  const others = (stored?.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      ...stored?.metadata,
      name: identity.nodeName,
      labels: {
        ...stored?.metadata.labels,
        [NODE_HOSTNAME_LABEL]: identity.nodeName,
        'kubernetes.io/os': platform(),
        'kubernetes.io/arch': arch(),
        ...identity.labels,
      },
    },
    spec: {
      ...stored?.spec,
      ...(identity.podCIDR === undefined ? {} : { podCIDR: identity.podCIDR, podCIDRs: [identity.podCIDR] }),
    },
    status: {
      ...stored?.status,
      addresses: [
        { type: 'InternalIP', address: identity.internalIP },
        { type: 'Hostname', address: identity.nodeName },
      ],
      conditions: [ready, ...others],
      nodeInfo: {
        kubeletVersion: NODE_AGENT_VERSION,
        operatingSystem: platform(),
        architecture: arch(),
        osImage: OS_IMAGE,
        kernelVersion: release(),
        containerRuntimeVersion: 'automesh://processes',
      },
    },
  };
}

export class NodeRegistration {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private stopped = false;
  private beating: Promise<void> | undefined;

  constructor(private readonly options: NodeRegistrationOptions) {}

  /** Registers the node; fails, naming the node, when the first write does not succeed. */
  async start(): Promise<void> {
    try {
      await this.write();
    } catch (err) {
      throw new Error(`could not register node "${this.options.nodeName}": ${String(err)}`, { cause: err });
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.beating = this.beat().finally(() => {
        this.beating = undefined;
        this.schedule();
      });
    }, this.options.heartbeatMs);
  }

  private async beat(): Promise<void> {
    try {
      await this.write();
      if (this.failing) {
        this.failing = false;
        this.options.logger.info('node heartbeats resumed', { node: this.options.nodeName });
        this.options.onRecovered();
      }
    } catch (err) {
      if (!this.failing)
        this.options.logger.warn('node heartbeat failed', { node: this.options.nodeName, err });
      this.failing = true;
    }
  }

  private async write(): Promise<void> {
    const { backend, nodeName } = this.options;
    const stored = (await backend.get('Node', undefined, nodeName)) as Node | undefined;
    const node = nodeObject(this.options, stored, new Date().toISOString());
    // With the stored resourceVersion: a concurrent write (kubectl label, the lifecycle
    // controller) wins and the next heartbeat states Ready on top of it.
    if (stored === undefined) await backend.create(node);
    else await backend.update(node);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.beating;
  }
}
