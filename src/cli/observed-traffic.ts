// What the sidecars of this machine's runtime observed, read from their admin ports: /peers (who
// connected to each inbound port, and how) and /destinations (what each client sent where, and
// why). `x strict-readiness`, `x edges` and the warnings of apply/delete/install read traffic
// through here. The CLI asks the sidecars itself, at the admin addresses the runtime recorded
// (pods/<ns>/<pod>/istio-proxy.json), rather than the control plane collecting reports: that is
// the path strict-readiness already proved, it needs no new stream or store, and a sidecar
// answers for itself. Its limit: only this machine's sidecars are asked (ARCHITECTURE.md).
import type { Pod } from '../api/index.js';
import { findKind } from '../api/kinds.js';
import { namespacedName } from '../api/object-namespace.js';
import type { ObservedPort, PeerArrival } from '../policy/index.js';
import { stateDir, type MeshApi } from './context.js';
import { fetchFailure } from './fetch-failure.js';

const ADMIN_TIMEOUT_MS = 2000;

export interface PeersAnswer {
  windowSeconds: number;
  ports: {
    port: number;
    mode: ObservedPort['mode'];
    shadow?: { mode: string; source: string; reason: string };
    observedSince: string;
    peers: {
      arrival: PeerArrival;
      peer: string;
      address?: string;
      connections: number;
      requests?: number;
      reason?: string;
      shadow?: { refusals: number; reason: string; policy: string };
      firstSeen?: string;
      lastSeen: string;
    }[];
  }[];
}

export interface DestinationsAnswer {
  windowSeconds: number;
  destinations: {
    service: string;
    servicePort: number;
    address: string;
    port: number;
    pod: string;
    namespace: string;
    sent: string;
    reason: string;
    requests: number;
    failures: number;
    firstSeen: string;
    lastSeen: string;
  }[];
}

/** One local sidecar and what it answered (or why it did not). */
export interface SidecarTraffic {
  namespace: string;
  pod: string;
  peers?: PeersAnswer;
  destinations?: DestinationsAnswer;
  error?: string;
}

/** The mesh's pods, by address and by `ns/name`, and the workload people know each by. */
export interface PodIndex {
  pods: Pod[];
  byAddress: Map<string, Pod>;
  byName: Map<string, Pod>;
}

export async function podIndex(client: MeshApi): Promise<PodIndex> {
  const podKind = findKind('pods');
  if (podKind === undefined) throw new Error('pods are not a known kind');
  return indexPods((await client.list(podKind, {})) as unknown as Pod[]);
}

export function indexPods(pods: Pod[]): PodIndex {
  return {
    pods,
    byAddress: new Map(pods.filter((p) => p.status?.podIP).map((p) => [p.status!.podIP!, p])),
    byName: new Map(pods.map((p) => [namespacedName(p), p])),
  };
}

/** The Deployment that owns a pod, else the pod itself: what people call the workload. */
export function workloadOf(pod: Pod): string {
  return pod.metadata.ownerReferences?.find((o) => o.controller === true)?.name ?? pod.metadata.name;
}

async function ask<T>(adminAddress: string, path: string): Promise<T> {
  const response = await fetch(`http://${adminAddress}${path}`, {
    signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`admin port answered ${response.status}`);
  return (await response.json()) as T;
}

/**
 * Asks every local sidecar of a pod that still exists (and passes `wanted`) for its peers, and
 * with `destinations` for what it sent too.
 */
export async function observedTraffic(
  index: PodIndex,
  options: { wanted?: (pod: Pod) => boolean; destinations?: boolean } = {},
): Promise<SidecarTraffic[]> {
  const { readSidecarRecords } = await import('../runtime/sidecar-record.js');
  const records = readSidecarRecords(stateDir()).filter((r) => {
    const pod = index.byName.get(`${r.namespace}/${r.pod}`);
    if (pod === undefined) return false; // a record left behind by a pod that is gone
    return options.wanted === undefined || options.wanted(pod);
  });
  return Promise.all(
    records.map(async (record): Promise<SidecarTraffic> => {
      const base = { namespace: record.namespace, pod: record.pod };
      try {
        const [peers, destinations] = await Promise.all([
          ask<PeersAnswer>(record.adminAddress, '/peers'),
          options.destinations === true
            ? ask<DestinationsAnswer>(record.adminAddress, '/destinations')
            : Promise.resolve(undefined),
        ]);
        return { ...base, peers, ...(destinations === undefined ? {} : { destinations }) };
      } catch (err) {
        return { ...base, error: `sidecar not answering: ${fetchFailure(err)}` };
      }
    }),
  );
}
