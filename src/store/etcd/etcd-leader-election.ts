// Leader election on etcd, as etcd's own concurrency package and kube's lease locks do it:
// - each replica holds one lease (TTL `leaseTtlSeconds`), kept alive every TTL/3;
// - a replica leads `name` when it created the key <prefix>/leader/<name> attached to its lease:
//   a transaction "create revision of the key is 0 → put it with my lease", so one wins;
// - when the leader dies, etcd expires its lease and deletes the key; the next campaign of another
//   replica (every `retryMs`) wins. A new leader starts at most TTL + retryMs after the old one's
//   last keepalive.
// - a leader stops its work as soon as it cannot be sure its lease lives: when a keepalive answers
//   "gone", or when `TTL - stepDownMarginMs` has passed since the last keepalive etcd answered was
//   *sent* (etcd renewed the lease after that instant, so it expires later than that). The lease
//   lives at etcd at least until then, so a second leader cannot be elected while the first may
//   still work, as long as the work stops within the margin and the clocks run at the same rate.
// - close revokes the lease: every key goes at once and another replica takes over on its next
//   campaign, without waiting for a TTL.

import { randomInt, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../../log/index.js';
import { silentLogger } from '../../log/index.js';
import type { LeaderElection, StartWork, StopWork } from '../leader-election.js';
import { EtcdKeys } from './etcd-keys.js';
import { EtcdRpc } from './etcd-rpc.js';

export const DEFAULT_LEASE_TTL_SECONDS = 10;
export const DEFAULT_CAMPAIGN_RETRY_MS = 1_000;

export interface EtcdLeaderElectionOptions {
  /** `ADDRESS:PORT` of each member (resolved, as EtcdConfigStore.endpoints). */
  endpoints: readonly string[];
  /** The store's key prefix; leaders are kept under <prefix>/leader/. */
  prefix: string;
  /** Who this replica is, in the key's value (for people and `leaderOf`). Default host:pid. */
  identity?: string;
  /** The lease's TTL: how long a dead leader's work waits to move. Default 10 s. */
  leaseTtlSeconds?: number;
  /** How often a replica that does not lead asks again. Default 1 s. */
  retryMs?: number;
  /** How long before its lease could expire a leader stops. Default a fifth of the TTL. */
  stepDownMarginMs?: number;
  logger?: Logger;
}

interface Work {
  name: string;
  start: StartWork;
  /** Holds the key under the current lease. */
  leading: boolean;
  /** The running work's stop, once its start answered. */
  running: Promise<StopWork | undefined> | undefined;
}

interface Session {
  leaseId: number;
  /** The key's value while this session leads it: identity and a per-session token. */
  value: Buffer;
  /** Date.now() after which the lease may have expired at etcd. */
  validUntil: number;
  lastKeepAlive: number;
}

export class EtcdLeaderElection implements LeaderElection {
  readonly identity: string;
  readonly leaseTtlSeconds: number;
  private readonly rpc: EtcdRpc;
  private readonly keys: EtcdKeys;
  private readonly retryMs: number;
  private readonly marginMs: number;
  private readonly logger: Logger;
  private readonly works = new Map<string, Work>();
  private session: Session | undefined;
  private timer: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private closed = false;

  constructor(options: EtcdLeaderElectionOptions) {
    this.identity = options.identity ?? `${hostname()}:${process.pid}`;
    this.leaseTtlSeconds = options.leaseTtlSeconds ?? DEFAULT_LEASE_TTL_SECONDS;
    this.retryMs = options.retryMs ?? DEFAULT_CAMPAIGN_RETRY_MS;
    this.marginMs = options.stepDownMarginMs ?? (this.leaseTtlSeconds * 1000) / 5;
    this.logger = options.logger ?? silentLogger;
    this.keys = new EtcdKeys(options.prefix);
    // Its own connection: keepalives never queue behind the store's large transactions, and a
    // closed election is a closed client, as a dead replica's would be.
    this.rpc = new EtcdRpc({ endpoints: options.endpoints, callTimeoutMs: this.callTimeoutMs() });
  }

  runWhileLeader(name: string, start: StartWork): () => Promise<void> {
    if (this.closed) throw new Error('the leader election is closed');
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) {
      throw new Error(`work name "${name}": lower-case letters, digits, '.' and '-' only`);
    }
    if (this.works.has(name)) throw new Error(`work "${name}" already runs under this election`);
    const work: Work = { name, start, leading: false, running: undefined };
    this.works.set(name, work);
    this.schedule(0);
    return async () => {
      if (this.works.get(name) !== work) return;
      this.works.delete(name);
      await this.stopWork(work);
      await this.release(work).catch(() => undefined);
    };
  }

  isLeader(name: string): boolean {
    return this.works.get(name)?.leading === true;
  }

  /** Who holds `name` now (the identity in its key), or undefined when nobody does. */
  async leaderOf(name: string): Promise<string | undefined> {
    const response = await this.rpc.range({ key: this.keys.leader(name) });
    const value = response.kvs[0]?.value.toString();
    return value === undefined ? undefined : value.slice(0, value.lastIndexOf(' '));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.ticking;
    const works = [...this.works.values()];
    this.works.clear();
    for (const work of works) await this.stopWork(work);
    const session = this.session;
    this.session = undefined;
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    if (session !== undefined) {
      // Resign: revoking the lease deletes every key it holds, so others need not wait a TTL.
      await this.rpc.leaseRevoke(session.leaseId, this.callTimeoutMs()).catch((err: unknown) => {
        this.logger.warn('could not revoke the leader lease; it expires on its own', { err: String(err) });
      });
    }
    this.rpc.close();
  }

  /** Calls are bounded so that a tick never outlives a keepalive period. */
  private callTimeoutMs(): number {
    return Math.max(500, (this.leaseTtlSeconds * 1000) / 3);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.ticking !== undefined) return this.schedule(50);
      this.ticking = this.tick()
        .catch((err: unknown) => this.logger.warn('leader election round failed', { err: String(err) }))
        .finally(() => {
          this.ticking = undefined;
          this.schedule(this.period());
        });
    }, delayMs);
    this.timer.unref();
  }

  /** Followers ask every retryMs; keepalives go every TTL/3. */
  private period(): number {
    return Math.min(this.retryMs, (this.leaseTtlSeconds * 1000) / 3);
  }

  private async tick(): Promise<void> {
    if (this.works.size === 0 && this.session === undefined) return;
    const session = await this.ensureSession();
    if (session === undefined) return;
    for (const work of [...this.works.values()]) {
      if (this.closed || this.session !== session) return;
      if (!work.leading) await this.campaign(work, session);
    }
  }

  /** The live session, kept alive; a new one when there is none. */
  private async ensureSession(): Promise<Session | undefined> {
    const session = this.session;
    const now = Date.now();
    if (session !== undefined) {
      if (now - session.lastKeepAlive < (this.leaseTtlSeconds * 1000) / 3 - this.period() / 2) return session;
      try {
        const answer = await this.rpc.leaseKeepAliveOnce(session.leaseId, this.callTimeoutMs());
        if (this.session !== session) return this.session;
        if (answer.TTL <= 0) {
          await this.loseSession(session, 'etcd says the lease has expired');
          return undefined;
        }
        session.lastKeepAlive = Date.now();
        this.extend(session, now + answer.TTL * 1000);
      } catch (err) {
        // Not yet lost: the expiry timer steps down when the margin is reached.
        this.logger.warn('leader lease keepalive failed', { err: String(err) });
      }
      return this.session;
    }
    // Our own id below 2^53 (see EtcdRpc.leaseGrant); a collision is refused by etcd and retried.
    const leaseId = randomInt(1, 2 ** 47) * 64 + randomInt(0, 64);
    const answer = await this.rpc.leaseGrant(leaseId, this.leaseTtlSeconds, this.callTimeoutMs());
    if (answer.error !== '') throw new Error(`etcd refused the leader lease: ${answer.error}`);
    if (this.closed) {
      await this.rpc.leaseRevoke(leaseId, this.callTimeoutMs()).catch(() => undefined);
      return undefined;
    }
    const fresh: Session = {
      leaseId,
      value: Buffer.from(`${this.identity} ${randomUUID()}`),
      validUntil: 0,
      lastKeepAlive: Date.now(),
    };
    this.session = fresh;
    this.extend(fresh, now + answer.TTL * 1000);
    return fresh;
  }

  /** The lease lives at etcd at least until `expiresAt`; step down `marginMs` before it. */
  private extend(session: Session, expiresAt: number): void {
    session.validUntil = expiresAt - this.marginMs;
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = setTimeout(
      () => void this.loseSession(session, 'no keepalive answered within the lease TTL'),
      Math.max(0, session.validUntil - Date.now()),
    );
    this.expiry.unref();
  }

  private async loseSession(session: Session, why: string): Promise<void> {
    if (this.session !== session) return;
    this.session = undefined;
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    const led = [...this.works.values()].filter((w) => w.leading);
    if (led.length > 0) {
      this.logger.warn('leadership lost; stopping once-only work here', {
        why,
        work: led.map((w) => w.name),
      });
    }
    await Promise.all(led.map((w) => this.stopWork(w)));
    // Best effort: should etcd be reachable again, the keys go now rather than at expiry.
    void this.rpc.leaseRevoke(session.leaseId, this.callTimeoutMs()).catch(() => undefined);
    this.schedule(0);
  }

  private async campaign(work: Work, session: Session): Promise<void> {
    const key = this.keys.leader(work.name);
    const response = await this.rpc.txn({
      compare: [{ result: 'EQUAL', target: 'CREATE', key, create_revision: 0 }],
      success: [{ request_put: { key, value: session.value, lease: session.leaseId } }],
      failure: [{ request_range: { key } }],
    });
    const held = response.responses[0]?.response_range?.kvs[0]?.value;
    // A lost answer to our own winning put shows as "someone holds it" with our value.
    const won = response.succeeded || (held !== undefined && held.equals(session.value));
    if (!won || this.closed || this.session !== session || this.works.get(work.name) !== work) return;
    work.leading = true;
    this.logger.info('leading once-only work', { work: work.name, identity: this.identity });
    work.running = Promise.resolve()
      .then(work.start)
      .catch((err: unknown) => {
        this.logger.warn('once-only work failed to start; giving it up', {
          work: work.name,
          err: String(err),
        });
        work.leading = false;
        void this.release(work).catch(() => undefined);
        return undefined;
      });
    // Not awaited: a slow start must not hold the keepalives back.
  }

  private async stopWork(work: Work): Promise<void> {
    const running = work.running;
    work.leading = false;
    work.running = undefined;
    const stop = await running;
    if (stop === undefined) return;
    try {
      await stop();
    } catch (err) {
      this.logger.warn('once-only work failed to stop', { work: work.name, err: String(err) });
    }
  }

  /** Deletes the key if this session still holds it. */
  private async release(work: Work): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    const key = this.keys.leader(work.name);
    await this.rpc.txn({
      compare: [{ result: 'EQUAL', target: 'VALUE', key, value: session.value }],
      success: [{ request_delete_range: { key } }],
      failure: [],
    });
  }
}
