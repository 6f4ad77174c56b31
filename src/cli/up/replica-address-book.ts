// Every live control-plane replica's CA and discovery address, for the sidecars this node starts:
// this node's own replica first (the one it was started with), then the others in the roster's
// order. Read from the replicas' announcements in the store at start and every few seconds, so a
// sidecar started later gets the replicas that joined meanwhile; sidecars already running keep
// the list they were started with.

import type { ControlPlane, ReplicaEndpoints } from '../../controlplane/index.js';
import type { Logger } from '../../log/index.js';

export const REPLICA_REFRESH_MS = 2_000;

export interface ReplicaAddresses {
  ca: string[];
  discovery: string[];
}

export interface ReplicaAddressBook {
  current(): ReplicaAddresses;
  stop(): void;
}

/** Own replica first, each replica once; position i of both lists is the same replica. */
export function orderReplicaAddresses(
  own: ReplicaEndpoints,
  live: readonly ReplicaEndpoints[],
): ReplicaAddresses {
  const others = live.filter((r) => r.discoveryAddress !== own.discoveryAddress);
  const all = [own, ...others];
  return { ca: all.map((r) => r.caAddress), discovery: all.map((r) => r.discoveryAddress) };
}

export async function startReplicaAddressBook(
  controlPlane: ControlPlane,
  logger: Logger,
  refreshMs = REPLICA_REFRESH_MS,
): Promise<ReplicaAddressBook> {
  let addresses = orderReplicaAddresses(controlPlane, []);
  let stopped = false;
  const refresh = async (): Promise<void> => {
    try {
      addresses = orderReplicaAddresses(controlPlane, await controlPlane.replicas());
    } catch (err) {
      // The last list stays: a sidecar given a dead replica moves on to the next one by itself.
      logger.warn('could not read the live control-plane replicas', { err: String(err) });
    }
  };
  await refresh();
  let timer: NodeJS.Timeout | undefined;
  const loop = (): void => {
    timer = setTimeout(() => {
      void refresh().finally(() => {
        if (!stopped) loop();
      });
    }, refreshMs);
    timer.unref();
  };
  loop();
  return {
    current: () => addresses,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
