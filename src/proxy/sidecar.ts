// The running sidecar: the snapshot in force, the listeners it implies, the upstream pools.
// apply() validates a snapshot and reconciles listeners; a bad snapshot leaves the last good one.

import type { ProxySnapshot } from '../api/index.js';
import type { ProxyMetrics } from './admin/proxy-metrics.js';
import { validateSnapshot } from './config/snapshot-schema.js';
import type { ProxyConfig } from './config/proxy-options.js';
import { InboundListener } from './inbound/inbound-listener.js';
import type { InboundEnvironment } from './inbound/inbound-listener.js';
import { DEFAULT_OBSERVATION_WINDOW_MS, PeerObservations } from './inbound/peer-observations.js';
import { createLogger } from '../log/index.js';
import { DestinationObservations } from './outbound/destination-observations.js';
import { OutboundTable } from './outbound/outbound-table.js';
import type { ApplyResult } from './sources.js';
import type { MeshTls } from './tls/mesh-tls.js';
import type { HttpSessionConfig } from './session/http-session.js';
import { UpstreamPool } from './upstream/upstream-pool.js';

/** setTimeout's longest delay (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;

export class Sidecar {
  private current: ProxySnapshot | undefined;
  private outboundTable: OutboundTable | undefined;
  private readonly inbound = new Map<number, InboundListener>();
  private pendingWork: Promise<unknown> = Promise.resolve();
  private bindErrors: string[] = [];
  readonly appPool: UpstreamPool;
  readonly meshPool: UpstreamPool;
  readonly sessionConfig: HttpSessionConfig;
  private readonly unsubscribeRotation: () => void;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly log = createLogger({ component: 'sidecar' });
  /** What the outbound side sent to each destination endpoint, and why (admin /destinations). */
  readonly destinations = new DestinationObservations();
  /** Who connected to each inbound port, and how (admin /peers). */
  readonly peers = new PeerObservations(DEFAULT_OBSERVATION_WINDOW_MS, Date.now, {
    // Once per peer and port per window: the counts take every connection, the log says who.
    onShadowRefusal: (port, peer) =>
      this.log.warn('shadow policy would have refused a connection', {
        port,
        peer: peer.peer,
        address: peer.address,
        reason: peer.shadow?.reason,
        policy: peer.shadow?.policy,
      }),
  });

  constructor(
    private readonly config: ProxyConfig,
    private readonly mesh: MeshTls,
    readonly metrics: ProxyMetrics,
  ) {
    const l = config.limits;
    const poolConfig = {
      maxIdlePerKey: l.maxIdlePerEndpoint,
      idleTimeoutMs: l.upstreamIdleTimeoutMs,
      maxRequestsPerConnection: l.maxRequestsPerConnection,
      maxConnectionAgeMs: l.maxConnectionAgeMs,
      connectTimeoutMs: l.connectTimeoutMs,
      streamIdleTimeoutMs: l.streamIdleTimeoutMs,
    };
    this.appPool = new UpstreamPool(poolConfig);
    this.meshPool = new UpstreamPool(poolConfig, Date.now, (info) =>
      metrics.connectionOpened({
        direction: 'outbound',
        sourcePrincipal: this.ownId(),
        destinationPrincipal: info.peerPrincipal,
        tlsMode: info.tlsMode,
      }),
    );
    // Idle mesh connections still present the old certificate: new requests get new connections.
    // (Connections in use finish on the old one; it stays valid past the renewal.)
    this.unsubscribeRotation = mesh.onRotate((cert) => {
      this.meshPool.closeIdle();
      this.retireAtExpiry(cert.notAfter.getTime());
    });
    this.sessionConfig = {
      maxHeadBytes: l.maxHeadBytes,
      maxPendingBytes: 64 * 1024,
      idleTimeoutMs: l.idleTimeoutMs,
      headTimeoutMs: l.headTimeoutMs,
      replayLimitBytes: 64 * 1024,
    };
  }

  get snapshot(): ProxySnapshot | undefined {
    return this.current;
  }

  get table(): OutboundTable | undefined {
    return this.outboundTable;
  }

  ownId(): string {
    return this.mesh.current?.spiffeId ?? this.current?.proxy.spiffeId ?? 'unknown';
  }

  apply(input: ProxySnapshot): ApplyResult {
    const checked = validateSnapshot(input);
    if (!checked.ok) return checked;
    const snapshot = checked.snapshot;
    let table: OutboundTable;
    try {
      table = new OutboundTable(snapshot, this.mesh, this.config.hostPort, this.config.podIP);
    } catch (err) {
      return { ok: false, error: `invalid snapshot: ${(err as Error).message}` };
    }
    this.current = snapshot;
    this.outboundTable = table;
    const windowMs = (snapshot.mesh.observationWindowSeconds ?? DEFAULT_OBSERVATION_WINDOW_MS / 1000) * 1000;
    this.peers.setWindow(windowMs);
    this.destinations.setWindow(windowMs);
    this.meshPool.retain((key) => table.keys.has(key) || key.startsWith('passthrough|'));
    this.reconcileInbound(snapshot);
    return { ok: true };
  }

  /** Applies and waits until new listeners are bound; bind failures are reported. */
  async applyAndWait(snapshot: ProxySnapshot): Promise<ApplyResult> {
    const result = this.apply(snapshot);
    await this.settled();
    const errors = this.bindErrors;
    this.bindErrors = [];
    if (result.ok && errors.length > 0) return { ok: false, error: errors.join('; ') };
    return result;
  }

  /** Resolves when listener starts and stops begun so far have finished. */
  settled(): Promise<void> {
    return this.pendingWork.then(() => undefined);
  }

  /**
   * A TLS connection outlives the certificates it was made with. When ours expires without a
   * renewal (CA unreachable), pooled mesh connections must not go on carrying requests that a new
   * handshake would be refused for: retire them all, so the peer's refusal becomes visible.
   */
  private retireAtExpiry(notAfterMs: number): void {
    clearTimeout(this.expiryTimer);
    const delay = notAfterMs - Date.now() + 1;
    this.expiryTimer = setTimeout(
      () => (delay > MAX_TIMER_MS ? this.retireAtExpiry(notAfterMs) : this.meshPool.retireAll()),
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
    this.expiryTimer.unref();
  }

  connectionCounts(): { inbound: number; upstream: number } {
    let inbound = 0;
    for (const l of this.inbound.values()) inbound += l.connectionCount;
    return { inbound, upstream: this.appPool.size + this.meshPool.size };
  }

  inboundPorts(): number[] {
    return [...this.inbound.keys()].sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    this.unsubscribeRotation();
    clearTimeout(this.expiryTimer);
    await this.settled();
    const closing = [...this.inbound.values()].map((l) => l.close(false));
    this.inbound.clear();
    this.appPool.closeAll();
    this.meshPool.closeAll();
    await Promise.all(closing);
  }

  private reconcileInbound(snapshot: ProxySnapshot): void {
    const wanted = new Map(snapshot.inbound.map((l) => [l.port, l]));
    const work: Promise<unknown>[] = [];
    for (const [port, listener] of this.inbound) {
      if (wanted.has(port)) continue;
      this.inbound.delete(port);
      work.push(listener.close(true));
    }
    for (const [port, config] of wanted) {
      const existing = this.inbound.get(port);
      if (existing !== undefined) {
        existing.update(config);
        continue;
      }
      const listener = new InboundListener(config, this.inboundEnvironment());
      this.inbound.set(port, listener);
      work.push(
        listener.listen().catch((err: Error) => {
          this.inbound.delete(port);
          this.bindErrors.push(`inbound port ${port}: ${err.message}`);
          return listener.close(false);
        }),
      );
    }
    this.pendingWork = Promise.all([this.pendingWork, ...work]);
  }

  private inboundEnvironment(): InboundEnvironment {
    const l = this.config.limits;
    return {
      bindHost: this.config.podIP,
      appHost: this.config.appHost,
      hostPort: this.config.hostPort,
      pool: this.appPool,
      metrics: this.metrics,
      mesh: this.mesh,
      session: this.sessionConfig,
      sniffTimeoutMs: l.sniffTimeoutMs,
      handshakeTimeoutMs: l.handshakeTimeoutMs,
      maxConnections: l.maxConnections,
      maxConnectionAgeMs: l.downstreamMaxConnectionAgeMs,
      trustDomain: () => this.current?.mesh.trustDomain ?? 'cluster.local',
      peers: this.peers,
    };
  }
}
