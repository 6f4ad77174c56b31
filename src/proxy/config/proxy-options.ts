// What startProxy takes (ProxyOptions) and the resolved, frozen settings it runs with (ProxyConfig).

import type { ProxySnapshot } from '../../api/index.js';
import type { UnknownHostPolicy } from '../outbound/outbound-listener.js';
import type { CertificateSource } from '../sources.js';

export interface ProxyLimits {
  /** Per listener. */
  maxConnections: number;
  /** Request and response heads (request line + headers). */
  maxHeadBytes: number;
  /** Downstream keep-alive idle and "nothing moved" timeout. */
  idleTimeoutMs: number;
  /** Pooled upstream connections idle longer than this are closed: keep it below the peers' keep-alive (Node's default is 5 s). */
  upstreamIdleTimeoutMs: number;
  connectTimeoutMs: number;
  /** An upstream exchange with no bytes moving for this long is closed. */
  streamIdleTimeoutMs: number;
  /** How long to wait for the first bytes when sniffing TLS or HTTP. */
  sniffTimeoutMs: number;
  /** From the first byte of a request head to its end: a slow sender (slowloris) gets 408 and is closed. */
  headTimeoutMs: number;
  /** Inbound mTLS handshakes not finished in this time are dropped (Node's own default is 120 s). */
  handshakeTimeoutMs: number;
  maxIdlePerEndpoint: number;
  maxRequestsPerConnection: number;
  /** Pooled upstream connections older than this are closed instead of being reused. */
  maxConnectionAgeMs: number;
  /**
   * Inbound HTTP connections older than this are closed after their current exchange, so no
   * connection lives on indefinitely on what it was admitted with. Longer than maxConnectionAgeMs,
   * so that a peer sidecar's pool retires its connection first (a client closing is race-free; a
   * server closing a kept-alive connection can cross the client's next request).
   */
  downstreamMaxConnectionAgeMs: number;
}

export const DEFAULT_LIMITS: Readonly<ProxyLimits> = Object.freeze({
  maxConnections: 10_000,
  maxHeadBytes: 64 * 1024,
  idleTimeoutMs: 60_000,
  upstreamIdleTimeoutMs: 4_000,
  connectTimeoutMs: 5_000,
  streamIdleTimeoutMs: 300_000,
  sniffTimeoutMs: 5_000,
  headTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  maxIdlePerEndpoint: 256,
  maxRequestsPerConnection: 100_000,
  maxConnectionAgeMs: 600_000,
  downstreamMaxConnectionAgeMs: 900_000,
});

export interface ListenAddress {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface ProxyOptions {
  /** Inbound listeners bind here, one per inbound port of the snapshot. */
  podIP: string;
  /** Where the app listens; inbound forwards to appHost:<same port>. Default 127.0.0.1. */
  appHost?: string;
  /** The explicit HTTP proxy (HTTP_PROXY). Default podIP:15001. */
  outbound?: ListenAddress;
  /** Default podIP:15000. */
  admin?: ListenAddress;
  certificates: CertificateSource;
  limits?: Partial<ProxyLimits>;
  /** Hosts not in the snapshot: plain connection as addressed (default), or a 404. */
  unknownHosts?: UnknownHostPolicy;
  /** Applied before the listeners start (standalone mode). */
  snapshot?: ProxySnapshot;
  /**
   * Where a pod port is really bound on this host: the local runtime moves ports below 1024 when
   * not running as root. Applied to inbound listeners, the app and endpoints. Identity by default.
   */
  hostPort?: (port: number) => number;
  /**
   * How the sidecar stands with its control plane (which replica it streams from, which CA issued
   * its certificate), shown at the admin port's /control_plane. Absent in standalone mode.
   */
  controlPlane?: () => Record<string, unknown>;
}

export interface ProxyConfig {
  podIP: string;
  appHost: string;
  outbound: Required<ListenAddress>;
  admin: Required<ListenAddress>;
  limits: ProxyLimits;
  unknownHosts: UnknownHostPolicy;
  hostPort: (port: number) => number;
}

export const OUTBOUND_PORT = 15001;
export const ADMIN_PORT = 15000;

export function resolveProxyConfig(options: ProxyOptions): ProxyConfig {
  return Object.freeze({
    podIP: options.podIP,
    appHost: options.appHost ?? '127.0.0.1',
    outbound: {
      host: options.outbound?.host ?? options.podIP,
      port: options.outbound?.port ?? OUTBOUND_PORT,
    },
    admin: { host: options.admin?.host ?? options.podIP, port: options.admin?.port ?? ADMIN_PORT },
    limits: Object.freeze({ ...DEFAULT_LIMITS, ...options.limits }),
    unknownHosts: options.unknownHosts ?? 'passthrough',
    hostPort: options.hostPort ?? ((port: number) => port),
  });
}
