// Which client → server pairs a write would make fail that observed traffic says are in use
// (behaviour.md "Migration safety", warnings): the broken pairs of the whole write
// (breakingChanges, install's check), each put down to the object of the write that first breaks
// it, joined with the requests the server's sidecar saw from the client's pod on that port in
// the window, and summed per workload pair. A pair nobody used in the window is not worth a
// warning: install's own check still lists every pair. Pure: states and observations in, lines out.
import { breakingChanges } from './breaking-changes.js';
import type { BrokenPair } from './breaking-changes.js';
import type { MeshState } from './mesh-state.js';

/** What one server sidecar saw on one port: requests per source address in the window. */
export interface ServerPortTraffic {
  namespace: string;
  pod: string;
  port: number;
  peers: { address: string; requests: number }[];
}

/** The mesh once one more object of the write is applied (or deleted). */
export interface WriteStep {
  /** How the object is named in warnings: `peerauthentication.security.istio.io/strict`. */
  object: string;
  state: MeshState;
}

export interface ObservedBreak {
  object: string;
  /** `sleep.legacy` */
  client: string;
  /** `httpbin.full` */
  server: string;
  /** The server's workload port. */
  port: number;
  why: string;
  requests: number;
}

/** The workload people know a pod by (its Deployment), from namespace and pod name. */
export type WorkloadOf = (namespace: string, pod: string) => string;

const pairKey = (p: BrokenPair): string =>
  `${p.from.namespace}/${p.from.pod}|${p.to.namespace}/${p.to.pod}:${p.to.port}`;

export function observedBreaks(
  before: MeshState,
  steps: readonly WriteStep[],
  traffic: readonly ServerPortTraffic[],
  workloadOf: WorkloadOf,
): ObservedBreak[] {
  const last = steps[steps.length - 1];
  if (last === undefined) return [];
  const broken = new Map<string, BrokenPair>();
  for (const pair of breakingChanges(before, last.state)) {
    if (!broken.has(pairKey(pair))) broken.set(pairKey(pair), pair);
  }
  if (broken.size === 0) return [];

  const seen = new Map<string, Map<string, number>>();
  for (const t of traffic) {
    const key = `${t.namespace}/${t.pod}:${t.port}`;
    const byAddress = seen.get(key) ?? new Map<string, number>();
    for (const p of t.peers) byAddress.set(p.address, (byAddress.get(p.address) ?? 0) + p.requests);
    seen.set(key, byAddress);
  }
  const requestsOf = (p: BrokenPair): number =>
    seen.get(`${p.to.namespace}/${p.to.pod}:${p.to.port}`)?.get(p.from.address) ?? 0;
  const used = [...broken.entries()].filter(([, p]) => requestsOf(p) > 0);
  if (used.length === 0) return [];

  // Put each pair down to the first object after which it fails; a pair only the objects
  // together break goes to the last one.
  const blame = new Map<string, string>();
  if (steps.length > 1) {
    let previous = before;
    for (const step of steps) {
      for (const pair of breakingChanges(previous, step.state)) {
        const key = pairKey(pair);
        if (broken.has(key) && !blame.has(key)) blame.set(key, step.object);
      }
      previous = step.state;
    }
  }

  const order = new Map(steps.map((s, i) => [s.object, i]));
  const summed = new Map<string, ObservedBreak>();
  for (const [key, pair] of used) {
    const object = blame.get(key) ?? last.object;
    const client = `${workloadOf(pair.from.namespace, pair.from.pod)}.${pair.from.namespace}`;
    const server = `${workloadOf(pair.to.namespace, pair.to.pod)}.${pair.to.namespace}`;
    const id = `${object}|${client}|${server}|${pair.to.port}|${pair.reason}`;
    const found = summed.get(id);
    if (found !== undefined) found.requests += requestsOf(pair);
    else
      summed.set(id, {
        object,
        client,
        server,
        port: pair.to.port,
        why: pair.reason,
        requests: requestsOf(pair),
      });
  }
  return [...summed.values()].sort(
    (a, b) =>
      (order.get(a.object) ?? 0) - (order.get(b.object) ?? 0) ||
      compare(a.client, b.client) ||
      compare(a.server, b.server) ||
      a.port - b.port,
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `10m`, `90s`: the window as the warning says it. */
export function windowText(windowMs: number): string {
  const s = Math.round(windowMs / 1000);
  return s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

/** kubectl's admission-warning form, one line per pair (without the newline). */
export function formatObservedBreak(b: ObservedBreak, windowMs: number): string {
  const n = `${b.requests} request${b.requests === 1 ? '' : 's'}`;
  return `Warning: ${b.object}: ${b.client} → ${b.server}:${b.port} would fail: ${b.why} (${n} in the last ${windowText(windowMs)})`;
}
