// Which control-plane replicas are alive, and how to reach each: what kube-apiserver's lease
// endpoint reconciler keeps (one lease-bound key per apiserver, read to list the live ones). Each
// replica announces a value (its addresses) for as long as it lives; a replica that dies drops out
// when its lease expires, one that stops drops out at once.
//
// On a store one process opens (SQLite, memory) there is one replica: the local roster holds it.

import type { Logger } from '../log/index.js';
import type { ConfigStore } from './config-store.js';
import { EtcdConfigStore } from './etcd/etcd-config-store.js';
import { EtcdReplicaRoster } from './etcd/etcd-replica-roster.js';

export interface ReplicaRoster {
  /** Announces this replica with `value` until close; announcing again replaces the value. */
  announce(value: string): Promise<void>;
  /** Every live replica's value (this one's included), by replica id, in id order. */
  members(): Promise<Map<string, string>>;
  /** Withdraws this replica's announcement (at once, not at lease expiry). */
  close(): Promise<void>;
}

/** The roster of a one-process store: this replica alone. */
export class LocalReplicaRoster implements ReplicaRoster {
  private value: string | undefined;

  announce(value: string): Promise<void> {
    this.value = value;
    return Promise.resolve();
  }

  members(): Promise<Map<string, string>> {
    return Promise.resolve(new Map(this.value === undefined ? [] : [['local', this.value]]));
  }

  close(): Promise<void> {
    this.value = undefined;
    return Promise.resolve();
  }
}

export interface ReplicaRosterOptions {
  /** The TTL of the announcement's lease: how long a dead replica stays listed. Default 10 s. */
  leaseTtlSeconds?: number;
  logger?: Logger;
}

export function replicaRosterFor(store: ConfigStore, options: ReplicaRosterOptions = {}): ReplicaRoster {
  if (store instanceof EtcdConfigStore) {
    return new EtcdReplicaRoster({ ...options, endpoints: store.endpoints, prefix: store.prefix });
  }
  return new LocalReplicaRoster();
}
