// The explicit HTTP proxy the app's HTTP_PROXY points at: absolute-form requests and CONNECT.
// Names resolve from the snapshot; each endpoint gets the TLS the snapshot chose for it.

import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { RequestCounter } from '../admin/proxy-metrics.js';
import type { Cell, ProxyMetrics } from '../admin/proxy-metrics.js';
import type { UpstreamConnection } from '../upstream/upstream-connection.js';
import { headerValue, writeRequestHead } from '../http/head-writer.js';
import type { RequestHead } from '../http/request-head.js';
import { HttpSession } from '../session/http-session.js';
import { UPSTREAM_RESET_PREFIX } from '../session/local-response.js';
import type { HttpSessionConfig } from '../session/http-session.js';
import type { Route, SessionHooks } from '../session/route.js';
import { plainDialer } from '../upstream/dialers.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import type { DestinationObservations, DestinationTally } from './destination-observations.js';
import type { OutboundTable } from './outbound-table.js';
import { SingleEndpoint, splitAuthority } from './outbound-table.js';

export type UnknownHostPolicy = 'passthrough' | 'refuse';

/** 1 try + 2 retries for failures before the request was sent. */
export const OUTBOUND_ATTEMPTS = 3;

export interface OutboundEnvironment {
  host: string;
  port: number;
  pool: UpstreamPool;
  metrics: ProxyMetrics;
  session: HttpSessionConfig;
  maxConnections: number;
  unknownHosts: UnknownHostPolicy;
  /** The table of the snapshot in force (undefined before the first). */
  table(): OutboundTable | undefined;
  ownId(): string;
  /** What was sent to each destination endpoint, and why (admin /destinations). */
  destinations: DestinationObservations;
}

/** What a connection caches: the cell found in one snapshot's table (none: not a mesh endpoint). */
interface CachedDestination {
  table: OutboundTable;
  cell: DestinationCell | undefined;
}

interface DestinationCell {
  tally: DestinationTally;
  decision: Cell;
  downgrade?: Cell;
}

const ABSOLUTE = /^http:\/\/([^/?#]+)(.*)$/i;

export class OutboundListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly hooks: SessionHooks;

  constructor(private readonly env: OutboundEnvironment) {
    this.server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    this.server.maxConnections = env.maxConnections;
    this.hooks = {
      route: (head) => this.route(head),
      recordRequest: (conn, status) => {
        this.counterFor(conn).inc(status);
        const cell = this.destinationFor(conn);
        if (cell === undefined) return;
        cell.tally.request(status);
        cell.decision.n++;
        if (cell.downgrade !== undefined) cell.downgrade.n++;
      },
      recordConnectFailure: (err: NodeJS.ErrnoException) =>
        env.metrics.handshakeFailure('outbound', (err.code ?? 'connect_error').toLowerCase()),
    };
  }

  private counterFor(conn: UpstreamConnection | null): RequestCounter {
    const cached = conn?.metricsCell;
    if (cached instanceof RequestCounter) return cached;
    const counter = this.env.metrics.requestCounter({
      direction: 'outbound',
      sourcePrincipal: this.env.ownId(),
      destinationPrincipal: conn?.info.peerPrincipal ?? 'unknown',
      tlsMode: conn?.info.tlsMode ?? 'none',
    });
    if (conn !== null) conn.metricsCell = counter;
    return counter;
  }

  /**
   * The mesh endpoint a connection goes to and its metric cells (none for passthrough hosts),
   * found once per connection and snapshot: a new snapshot may give the endpoint a new reason.
   */
  private destinationFor(conn: UpstreamConnection | null): DestinationCell | undefined {
    if (conn === null) return undefined;
    const table = this.env.table();
    if (table === undefined) return undefined;
    const cached = conn.destinationCell as CachedDestination | undefined;
    if (cached?.table === table) return cached.cell;
    const destination = table.destinationOf(conn.info.key);
    const cell =
      destination === undefined
        ? undefined
        : {
            tally: this.env.destinations.tally(destination),
            decision: this.env.metrics.tlsDecision('outbound', destination.sent, destination.reason),
            ...(destination.downgrade === true
              ? { downgrade: this.env.metrics.downgrade(destination.reason) }
              : {}),
          };
    conn.destinationCell = { table, cell } satisfies CachedDestination;
    return cell;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : this.env.port;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.env.host, port: this.env.port }, () => {
        this.server.removeListener('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    this.env.metrics.activeChanged('outbound', 1);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.env.metrics.activeChanged('outbound', -1);
    });
    new HttpSession(socket, this.hooks, this.env.pool, this.env.session).start(null);
  }

  private route(head: RequestHead): Route {
    const tunnel = head.method === 'CONNECT';
    let authority: string;
    let path = '';
    if (tunnel) {
      authority = head.target;
    } else {
      const m = ABSOLUTE.exec(head.target);
      if (m !== null) {
        authority = m[1]!;
        path = m[2] === '' ? '/' : m[2]!.startsWith('/') ? m[2]! : `/${m[2]!}`;
      } else if (head.target.startsWith('/')) {
        authority = headerValue(head.headers, 'host') ?? '';
        path = head.target;
      } else {
        return {
          kind: 'local',
          status: 400,
          body: 'the outbound proxy takes http:// absolute-form requests and CONNECT\n',
        };
      }
    }
    const hostPort = splitAuthority(authority, tunnel ? 443 : 80);
    if (hostPort === undefined || (tunnel && !/:[0-9]+$/.test(authority))) {
      return { kind: 'local', status: 400, body: `bad authority "${authority}"\n` };
    }
    const target = this.env.table()?.lookup(hostPort.host, hostPort.port);
    const outHead = tunnel ? '' : writeRequestHead(head, { target: path, append: [] });
    if (target === undefined) {
      if (this.env.unknownHosts === 'refuse') {
        return {
          kind: 'local',
          status: 404,
          body: `unknown host ${hostPort.host}:${hostPort.port}: not a mesh service, and outbound passthrough is off\n`,
        };
      }
      const dialer = plainDialer(hostPort.host, hostPort.port, 'passthrough');
      return { kind: 'forward', head: outHead, endpoints: new SingleEndpoint(dialer), attempts: 1, tunnel };
    }
    const refused = target.refused;
    if (refused !== undefined) {
      this.env.destinations.request(refused, 503);
      this.env.metrics.tlsDecision('outbound', 'REFUSE', refused.reason).n++;
      this.env.metrics.requireMtlsRefusal(refused.reason).n++;
      return { kind: 'local', status: 503, body: `${UPSTREAM_RESET_PREFIX}mTLS required, ${refused.reason}` };
    }
    const endpoints = target.sequence();
    if (endpoints === undefined) return { kind: 'local', status: 503, body: 'no healthy upstream' };
    return { kind: 'forward', head: outHead, endpoints, attempts: OUTBOUND_ATTEMPTS, tunnel };
  }
}
