// The outbound routing table built from one snapshot: every alias of every service, with a
// dialer per endpoint (its own TLS decision) and a round-robin cursor per service port.

import type { OutboundPort, ProxySnapshot } from '../../api/index.js';
import type { EndpointSequence } from '../session/route.js';
import { endpointDialer } from '../upstream/dialers.js';
import type { UpstreamDialer } from '../upstream/upstream-pool.js';
import type { MeshTls } from '../tls/mesh-tls.js';
import type { Destination } from './destination-observations.js';

export interface OutboundTarget {
  /** The service FQDN, for messages. */
  hostname: string;
  port: OutboundPort;
  /** The endpoints to try for one request, starting at the round-robin cursor. */
  sequence(): EndpointSequence | undefined;
  /**
   * When every endpoint is refused (the client requires mTLS and each would get plaintext): the
   * first of them, whose reason the client is told and the observations record; undefined when
   * some endpoint can be used or there are none.
   */
  readonly refused: Destination | undefined;
}

class PortTarget implements OutboundTarget {
  private cursor = 0;

  constructor(
    readonly hostname: string,
    readonly port: OutboundPort,
    readonly dialers: UpstreamDialer[],
    readonly refused: Destination | undefined,
  ) {}

  sequence(): EndpointSequence | undefined {
    const n = this.dialers.length;
    if (n === 0) return undefined;
    const start = this.cursor;
    this.cursor = (this.cursor + 1) % n;
    return new Rotation(this.dialers, start);
  }
}

/**
 * Retries move on to the next endpoint (and wrap around when there are fewer endpoints than
 * attempts). A class rather than a closure: one small object per request, no function created.
 */
class Rotation implements EndpointSequence {
  private i = 0;

  constructor(
    private readonly dialers: readonly UpstreamDialer[],
    private readonly start: number,
  ) {}

  next(): UpstreamDialer | undefined {
    return this.dialers[(this.start + this.i++) % this.dialers.length];
  }
}

/** The same endpoint for every attempt. */
export class SingleEndpoint implements EndpointSequence {
  constructor(private readonly dialer: UpstreamDialer) {}

  next(): UpstreamDialer {
    return this.dialer;
  }
}

export class OutboundTable {
  private readonly targets = new Map<string, PortTarget>();
  /** Pool keys of every endpoint in this table (to close idle connections to endpoints that left). */
  readonly keys = new Set<string>();
  /** Pool key → the endpoint it dials (the first service port listing it, when several do). */
  private readonly destinations = new Map<string, Destination>();

  /** `localAddress`: the pod IP mesh endpoints are dialled from (see plainDialer). */
  constructor(
    snapshot: ProxySnapshot,
    mesh: MeshTls,
    hostPort: (port: number) => number = (p) => p,
    localAddress?: string,
  ) {
    for (const service of snapshot.outbound) {
      for (const port of service.ports) {
        // Refused endpoints (require-mTLS client, plaintext endpoint) are left out of the rotation,
        // so a service with some meshed endpoints keeps serving from those; with none left the
        // client gets the refusal's reason rather than plaintext.
        const dialers: UpstreamDialer[] = [];
        let refused: Destination | undefined;
        for (const ep of port.endpoints) {
          const destination: Destination = {
            service: service.hostname,
            servicePort: port.port,
            address: ep.address,
            port: ep.port,
            pod: ep.pod,
            namespace: ep.namespace,
            sent: ep.tls.mode,
            reason: ep.tls.reason,
            ...(ep.tls.mode === 'DISABLE' && ep.tls.downgrade === true ? { downgrade: true as const } : {}),
          };
          if (ep.tls.mode === 'REFUSE') {
            refused ??= destination;
            continue;
          }
          const dialer = endpointDialer(
            ep.address,
            hostPort(ep.port),
            ep.tls,
            mesh,
            snapshot.mesh.trustDomain,
            localAddress,
          );
          dialers.push(dialer);
          if (!this.destinations.has(dialer.key)) this.destinations.set(dialer.key, destination);
        }
        for (const d of dialers) this.keys.add(d.key);
        const target = new PortTarget(
          service.hostname,
          port,
          dialers,
          dialers.length === 0 ? refused : undefined,
        );
        for (const alias of new Set([service.hostname, ...service.aliases])) {
          const key = `${alias.toLowerCase()}:${port.port}`;
          if (!this.targets.has(key)) this.targets.set(key, target);
        }
      }
    }
  }

  /** The endpoint a pooled connection with this key goes to. */
  destinationOf(key: string): Destination | undefined {
    return this.destinations.get(key);
  }

  lookup(host: string, port: number): OutboundTarget | undefined {
    return this.targets.get(`${host.toLowerCase().replace(/\.$/, '')}:${port}`);
  }
}

/** Splits "host:port" / "[v6]:port" / "host"; undefined when malformed. */
export function splitAuthority(
  authority: string,
  defaultPort: number,
): { host: string; port: number } | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]@/]+)(?::([0-9]{1,5}))?$/.exec(authority);
  if (m === null) return undefined;
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host, port };
}
