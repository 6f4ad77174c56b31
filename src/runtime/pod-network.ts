// When pods are routed between hosts: each pod IP (from the node's podCIDR) is put on this host's
// `lo` so the pod's listeners can bind it, and every other Node's podCIDR gets a route via that
// node's InternalIP, so a sidecar here dials a pod there over the hosts' network. Routes are
// installed with their own protocol number (`proto 211`), so the agent finds and removes exactly
// the ones it made (those of nodes gone or changed) and never touches any other route. Needs root
// (CAP_NET_ADMIN), like a CNI plugin; the single-host default (loopback pod IPs) needs none of it.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Node } from '../api/index.js';
import type { Logger } from '../log/index.js';

const run = promisify(execFile);
/** The routing protocol number marking automesh's routes (`ip route ... proto 211`). */
export const POD_ROUTE_PROTO = '211';

async function ip(args: string[]): Promise<string> {
  try {
    return (await run('ip', args)).stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')} failed: ${stderr ?? (err as Error).message}`, { cause: err });
  }
}

/** podCIDR → InternalIP of every other node that has both. */
export function podRoutesOf(nodes: readonly Node[], self: string): Map<string, string> {
  const routes = new Map<string, string>();
  for (const node of nodes) {
    if (node.metadata.name === self) continue;
    const cidr = node.spec?.podCIDR;
    const via = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (cidr !== undefined && via !== undefined && !cidr.startsWith('127.')) routes.set(cidr, via);
  }
  return routes;
}

export class PodNetwork {
  private installed = new Map<string, string>();

  constructor(private readonly logger: Logger) {}

  /** Puts a pod IP on `lo` (no error when it is there already: an adopted pod's). */
  async addAddress(podIP: string): Promise<void> {
    await ip(['addr', 'replace', `${podIP}/32`, 'dev', 'lo']);
  }

  async removeAddress(podIP: string): Promise<void> {
    try {
      await ip(['addr', 'del', `${podIP}/32`, 'dev', 'lo']);
    } catch (err) {
      this.logger.debug('pod address already gone', { podIP, err });
    }
  }

  /** Makes this host's automesh routes exactly `wanted` (podCIDR → via). */
  async syncRoutes(wanted: ReadonlyMap<string, string>): Promise<void> {
    for (const [cidr, via] of wanted) {
      if (this.installed.get(cidr) === via) continue;
      await ip(['route', 'replace', cidr, 'via', via, 'proto', POD_ROUTE_PROTO]);
      this.logger.info('pod route installed', { podCIDR: cidr, via });
    }
    // What the kernel has (an earlier agent's routes too), not only what this one remembers.
    const present = (await ip(['-4', 'route', 'show', 'proto', POD_ROUTE_PROTO]))
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((cidr) => cidr !== '');
    for (const cidr of present) {
      if (wanted.has(cidr)) continue;
      await ip(['route', 'del', cidr, 'proto', POD_ROUTE_PROTO]);
      this.logger.info('pod route removed', { podCIDR: cidr });
    }
    this.installed = new Map(wanted);
  }
}
