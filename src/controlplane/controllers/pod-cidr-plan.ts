// Node IPAM, as kube-controller-manager's range allocator does it: the cluster pod range
// (`--pod-cidr`, e.g. 198.19.0.0/16) is cut into one block per node (/24 by default), and each
// Node without a spec.podCIDR gets the lowest block no other node holds. Pure: IPv4 only.

import type { Node } from '../../api/index.js';

export interface Ipv4Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

const toNumber = (octets: number[]): number => octets.reduce((n, o) => n * 256 + o, 0);
export const ipv4Text = (n: number): string =>
  [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** `A.B.C.D` as a number, or undefined. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return toNumber(parts.map(Number));
}

/** `A.B.C.D/N` with no host bits set, or undefined. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const [address, prefixText] = text.split('/');
  const base = address === undefined ? undefined : parseIpv4(address);
  const prefix = Number(prefixText);
  if (base === undefined || !/^\d{1,2}$/.test(prefixText ?? '') || prefix > 32) return undefined;
  if (base % 2 ** (32 - prefix) !== 0) return undefined;
  return { base, prefix };
}

export function cidrText(cidr: Ipv4Cidr): string {
  return `${ipv4Text(cidr.base)}/${cidr.prefix}`;
}

export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  const size = 2 ** (32 - outer.prefix);
  return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base < outer.base + size;
}

/** The podCIDR each node that has none gets; nodes past the range's end get none (and a warning). */
export function planPodCidrs(
  cluster: Ipv4Cidr,
  maskSize: number,
  nodes: readonly Node[],
): { assign: Map<string, string>; exhausted: string[] } {
  const blockSize = 2 ** (32 - maskSize);
  const blocks = 2 ** (maskSize - cluster.prefix);
  const taken = new Set<number>();
  for (const node of nodes) {
    const held = node.spec?.podCIDR === undefined ? undefined : parseCidr(node.spec.podCIDR);
    if (held !== undefined && cidrContains(cluster, held)) taken.add((held.base - cluster.base) / blockSize);
  }
  const assign = new Map<string, string>();
  const exhausted: string[] = [];
  let next = 0;
  const waiting = nodes
    .filter((n) => n.spec?.podCIDR === undefined)
    .map((n) => n.metadata.name)
    .sort();
  for (const name of waiting) {
    while (next < blocks && taken.has(next)) next++;
    if (next >= blocks) {
      exhausted.push(name);
      continue;
    }
    taken.add(next);
    assign.set(name, cidrText({ base: cluster.base + next * blockSize, prefix: maskSize }));
  }
  return { assign, exhausted };
}
