// What a control-plane replica announces in the store's roster (store/replica-roster.ts): where
// its API server, CA and discovery listen, so that node agents hand sidecars every live replica
// and a sidecar whose replica dies reconnects to another.

import type { ReplicaRoster } from '../store/index.js';

export interface ReplicaEndpoints {
  apiServer: string;
  caAddress: string;
  discoveryAddress: string;
}

export function encodeReplicaEndpoints(endpoints: ReplicaEndpoints): string {
  const { apiServer, caAddress, discoveryAddress } = endpoints;
  return JSON.stringify({ apiServer, caAddress, discoveryAddress });
}

function decode(value: string): ReplicaEndpoints | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<Record<keyof ReplicaEndpoints, unknown>>;
    const { apiServer, caAddress, discoveryAddress } = parsed;
    if (
      typeof apiServer !== 'string' ||
      typeof caAddress !== 'string' ||
      typeof discoveryAddress !== 'string'
    )
      return undefined;
    return { apiServer, caAddress, discoveryAddress };
  } catch {
    return undefined; // a value another version wrote: not a replica we can hand out
  }
}

/** The live replicas' endpoints, in the roster's order; values this version cannot read are left out. */
export async function liveReplicaEndpoints(roster: ReplicaRoster): Promise<ReplicaEndpoints[]> {
  const members = await roster.members();
  return [...members.values()].map(decode).filter((e): e is ReplicaEndpoints => e !== undefined);
}
