// ReplicaRoster on etcd: each replica puts <prefix>/replicas/<id> attached to a lease of its own
// (TTL `leaseTtlSeconds`), kept alive every TTL/3. When the replica dies etcd expires the lease and
// deletes the key; when etcd says the lease is gone (this replica was cut off longer than the TTL)
// a new lease is granted and the key put again. Close revokes the lease, so the key goes at once.

import { randomInt, randomUUID } from 'node:crypto';
import type { Logger } from '../../log/index.js';
import { silentLogger } from '../../log/index.js';
import type { ReplicaRoster } from '../replica-roster.js';
import { EtcdKeys, prefixEnd } from './etcd-keys.js';
import { storeErrorOf } from './etcd-errors.js';
import { retryWhileUnavailable } from './etcd-retry.js';
import { EtcdRpc } from './etcd-rpc.js';

export const DEFAULT_ROSTER_LEASE_TTL_SECONDS = 10;

export interface EtcdReplicaRosterOptions {
  endpoints: readonly string[];
  prefix: string;
  leaseTtlSeconds?: number;
  logger?: Logger;
}

export class EtcdReplicaRoster implements ReplicaRoster {
  /** This replica's id: unique per process start. */
  readonly id = randomUUID();
  private readonly rpc: EtcdRpc;
  private readonly keys: EtcdKeys;
  private readonly ttlSeconds: number;
  private readonly logger: Logger;
  private value: Buffer | undefined;
  private leaseId: number | undefined;
  /** The key holds `value` under `leaseId`. */
  private written = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private closed = false;

  constructor(options: EtcdReplicaRosterOptions) {
    this.keys = new EtcdKeys(options.prefix);
    this.ttlSeconds = options.leaseTtlSeconds ?? DEFAULT_ROSTER_LEASE_TTL_SECONDS;
    this.logger = options.logger ?? silentLogger;
    // Its own connection, as the leader election's: keepalives never queue behind large writes.
    this.rpc = new EtcdRpc({ endpoints: options.endpoints, callTimeoutMs: this.periodMs() });
  }

  async announce(value: string): Promise<void> {
    if (this.closed) throw new Error('the replica roster is closed');
    await this.ticking;
    this.value = Buffer.from(value);
    this.written = false;
    // The first announcement is made before answering, so the caller knows others can see it.
    this.ticking = this.tick().finally(() => (this.ticking = undefined));
    await this.ticking;
    this.schedule();
  }

  async members(): Promise<Map<string, string>> {
    const prefix = this.keys.replicas();
    try {
      const response = await retryWhileUnavailable(
        () => this.rpc.range({ key: prefix, range_end: prefixEnd(prefix) }),
        Date.now() + this.periodMs() * 3,
      );
      const members = new Map<string, string>();
      for (const kv of response.kvs) {
        members.set(kv.key.subarray(prefix.length).toString(), kv.value.toString());
      }
      return new Map([...members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    } catch (err) {
      throw storeErrorOf(err, this.rpc.endpoints);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await this.ticking;
    const leaseId = this.leaseId;
    this.leaseId = undefined;
    if (leaseId !== undefined) {
      await this.rpc.leaseRevoke(leaseId).catch((err: unknown) => {
        this.logger.warn('could not revoke the replica lease; it expires on its own', { err: String(err) });
      });
    }
    this.rpc.close();
  }

  private periodMs(): number {
    return Math.max(300, (this.ttlSeconds * 1000) / 3);
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((err: unknown) => this.logger.warn('replica announcement failed', { err: String(err) }))
        .finally(() => {
          this.ticking = undefined;
          this.schedule();
        });
    }, this.periodMs());
    this.timer.unref();
  }

  /** Keeps the lease alive, or takes a new one and puts the key again. */
  private async tick(): Promise<void> {
    if (this.closed || this.value === undefined) return;
    if (this.leaseId !== undefined) {
      const answer = await this.rpc.leaseKeepAliveOnce(this.leaseId);
      if (answer.TTL > 0 && this.written) return;
      if (answer.TTL <= 0) {
        this.logger.warn('replica lease expired at etcd; announcing again', { id: this.id });
        this.leaseId = undefined;
        this.written = false;
      }
    }
    if (this.leaseId === undefined) {
      // Our own id below 2^53, as the leader election does (see EtcdRpc.leaseGrant).
      const leaseId = randomInt(1, 2 ** 47) * 64 + randomInt(0, 64);
      const granted = await this.rpc.leaseGrant(leaseId, this.ttlSeconds);
      if (granted.error !== '') throw new Error(`etcd refused the replica lease: ${granted.error}`);
      this.leaseId = leaseId;
    }
    const key = this.keys.replica(this.id);
    await this.rpc.txn({
      compare: [],
      success: [{ request_put: { key, value: this.value, lease: this.leaseId } }],
      failure: [],
    });
    this.written = true;
  }
}
