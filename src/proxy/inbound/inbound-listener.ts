// One inbound listener: podIP:port, forwarding to the app at appHost:port. The first bytes of
// each connection decide its path under the mode in force when it was accepted:
//   STRICT      ClientHello → mTLS; anything else → TCP reset
//   PERMISSIVE  ClientHello offering ALPN "istio" → mTLS; anything else → plaintext
//   DISABLE     plaintext
// A mode change also reaches open connections: those the new mode would not admit (plaintext
// under STRICT) are closed, an HTTP one after its in-flight exchange, an L4 pipe at once. An
// HTTP connection is also closed after its exchange once older than its maximum age.

import { connect as netConnect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { InboundListener as InboundListenerConfig } from '../../api/index.js';
import { writeRequestHead } from '../http/head-writer.js';
import type { ProxyMetrics } from '../admin/proxy-metrics.js';
import { HttpSession } from '../session/http-session.js';
import type { HttpSessionConfig } from '../session/http-session.js';
import { pipeSockets } from '../session/l4-pipe.js';
import type { EndpointSequence, Route, SessionHooks } from '../session/route.js';
import { sniffProtocol } from '../session/sniff-protocol.js';
import { peekSocket } from '../session/socket-peek.js';
import { MAX_HELLO_BYTES, sniffClientHello } from '../tls/client-hello.js';
import type { HelloSniff } from '../tls/client-hello.js';
import type { MeshTls } from '../tls/mesh-tls.js';
import { spiffeIdOf, xfccElement } from '../tls/spiffe-san.js';
import { MESH_ALPN, plainDialer } from '../upstream/dialers.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import type { RequestHead } from '../http/request-head.js';
import type { PeerObservations, PeerTally } from './peer-observations.js';
import { modeAdmits, PLAINTEXT, shadowRefusal, TLS_PASSTHROUGH } from './admission.js';
import type { Admission } from './admission.js';
import { DownstreamConnections } from './downstream-connections.js';

export interface InboundEnvironment {
  bindHost: string;
  appHost: string;
  /** Where a pod port is really bound (see ProxyOptions.hostPort). */
  hostPort: (port: number) => number;
  pool: UpstreamPool;
  metrics: ProxyMetrics;
  mesh: MeshTls;
  session: HttpSessionConfig;
  sniffTimeoutMs: number;
  handshakeTimeoutMs: number;
  maxConnections: number;
  /** HTTP connections older than this are closed after their current exchange. */
  maxConnectionAgeMs: number;
  /** The trust domain of the snapshot in force. */
  trustDomain(): string;
  /** Who connected, and how: one record per connection (admin /peers). */
  peers: PeerObservations;
}

interface PeerInfo {
  principal: string;
  tlsMode: 'mutual_tls' | 'none';
  xfcc: string | undefined;
}

const PLAINTEXT_PEER: PeerInfo = { principal: 'unknown', tlsMode: 'none', xfcc: undefined };

export class InboundListener {
  private readonly server: Server;
  private readonly tlsServer: TlsServer;
  private readonly sockets = new Set<Socket>();
  private readonly admitted: DownstreamConnections;
  private readonly appEndpoint: EndpointSequence;
  private readonly unsubscribeRotation: () => void;

  constructor(
    private config: InboundListenerConfig,
    private readonly env: InboundEnvironment,
  ) {
    const dialer = plainDialer(env.appHost, env.hostPort(config.port), 'app');
    this.appEndpoint = { next: () => dialer };
    this.admitted = new DownstreamConnections({
      maxAgeMs: env.maxConnectionAgeMs,
      onRetire: (reason) => env.metrics.connectionRetired('inbound', reason),
    });
    env.peers.watch(config.port);
    this.server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    this.server.maxConnections = env.maxConnections;
    this.tlsServer = createTlsServer(
      // The chain is checked in onSecure rather than by Node, which drops a refused client without
      // saying why; there the reason (e.g. cert_has_expired) is counted before the connection closes.
      { requestCert: true, rejectUnauthorized: false, handshakeTimeout: env.handshakeTimeoutMs },
      (s) => this.onSecure(s),
    );
    this.tlsServer.on('tlsClientError', (err: NodeJS.ErrnoException, s: TLSSocket) => {
      const reason = this.ownCertificateExpired() ? OWN_EXPIRED : handshakeReason(err);
      env.metrics.handshakeFailure('inbound', reason);
      this.refused(s, reason);
      s.destroy();
    });
    this.unsubscribeRotation = env.mesh.onRotate((cert) =>
      this.tlsServer.setSecureContext(env.mesh.serverOptions(cert)),
    );
  }

  get port(): number {
    return this.config.port;
  }

  /**
   * A client that refuses our certificate aborts the handshake without saying why (Node clients
   * send no alert). When ours has expired, that is the likely reason, and the one to count.
   */
  private ownCertificateExpired(): boolean {
    const own = this.env.mesh.current;
    return own !== undefined && own.notAfter.getTime() <= Date.now();
  }

  /** Open downstream connections on this listener. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.env.bindHost, port: this.env.hostPort(this.config.port) }, () => {
        this.server.removeListener('error', reject);
        resolve();
      });
    });
  }

  /** New settings: for connections accepted from now on, and a new mode for open ones too. */
  update(config: InboundListenerConfig): void {
    const modeChanged = config.mode !== this.config.mode;
    // Readiness counts a window from when the port's policy last changed (behaviour.md): a new
    // deciding policy (its reason) or a new shadow mode starts the watch afresh, as a new mode does.
    const policyChanged =
      config.reason !== this.config.reason || config.shadow?.reason !== this.config.shadow?.reason;
    this.config = config;
    if (modeChanged) this.admitted.enforce(config.mode);
    if (modeChanged || policyChanged) this.env.peers.watch(config.port);
  }

  /** Stops accepting. `drain`: open connections finish on their own; otherwise they are destroyed. */
  close(drain: boolean): Promise<void> {
    this.unsubscribeRotation();
    this.env.peers.forget(this.config.port);
    if (!drain) for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    this.env.metrics.activeChanged('inbound', 1);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.env.metrics.activeChanged('inbound', -1);
    });
    socket.on('error', () => undefined); // 'close' follows; the session or pipe cleans up
    const { mode } = this.config;
    if (mode === 'DISABLE') {
      this.plaintext(socket, null, PLAINTEXT);
      return;
    }
    peekSocket<HelloSniff>(
      socket,
      (buf) => {
        const r = sniffClientHello(buf);
        return r.kind === 'need-more' ? undefined : r;
      },
      { maxBytes: MAX_HELLO_BYTES, timeoutMs: this.env.sniffTimeoutMs, onTimeout: { kind: 'not-tls' } },
      (hello, bytes) => this.route(socket, hello, bytes),
    );
  }

  private route(socket: Socket, hello: HelloSniff, bytes: Buffer): void {
    if (socket.destroyed) return;
    // The mode now, not at accept: a snapshot may have been applied while the first bytes came.
    const { mode } = this.config;
    const mtls =
      hello.kind === 'tls' &&
      (mode === 'STRICT' || (mode === 'PERMISSIVE' && hello.alpn.includes(MESH_ALPN)));
    if (mtls) {
      socket.unshift(bytes);
      // The TLS socket takes allowHalfOpen from this one. While the handshake runs it must be off:
      // half-open, a client that walks away mid-handshake (one refusing our certificate) is not
      // noticed until the handshake timeout. onSecure turns it back on for the connection's life.
      socket.allowHalfOpen = false;
      this.tlsServer.emit('connection', socket);
      return;
    }
    this.plaintext(socket, bytes, hello.kind === 'tls' ? TLS_PASSTHROUGH : PLAINTEXT);
  }

  private plaintext(socket: Socket, initial: Buffer | null, admission: Admission): void {
    const tally = this.admit(socket, admission);
    if (tally === undefined) {
      // Only STRICT refuses what the sidecar did not authenticate.
      const empty = initial === null || initial.length === 0;
      const reason = empty ? 'no_bytes_on_strict' : 'plaintext_on_strict';
      this.env.metrics.handshakeFailure('inbound', reason);
      this.refused(socket, reason);
      socket.resetAndDestroy();
      return;
    }
    this.env.metrics.connectionOpened(this.labels(PLAINTEXT_PEER));
    this.serve(socket, initial, PLAINTEXT_PEER, tally);
  }

  private onSecure(socket: TLSSocket): void {
    socket.allowHalfOpen = true;
    const cert = socket.getPeerX509Certificate();
    const id = cert === undefined ? undefined : spiffeIdOf(cert.subjectAltName, this.env.trustDomain());
    const own = this.env.mesh.current?.spiffeId;
    // Only a client certificate that chains to the trust bundle, with a workload SPIFFE ID in our
    // trust domain, gets past this point.
    if (!socket.authorized || cert === undefined || id === undefined || own === undefined) {
      const reason = refusalReason(socket, cert === undefined);
      this.env.metrics.handshakeFailure('inbound', reason);
      this.refused(socket, reason);
      socket.destroy();
      return;
    }
    const tally = this.admit(socket, { kind: 'mtls', peer: id });
    if (tally === undefined) {
      this.env.metrics.handshakeFailure('inbound', 'mtls_not_admitted');
      this.refused(socket, 'mtls_not_admitted');
      socket.destroy();
      return;
    }
    const peer: PeerInfo = {
      principal: id,
      tlsMode: 'mutual_tls',
      xfcc: `x-forwarded-client-cert: ${xfccElement(own, cert, id)}`,
    };
    this.env.metrics.connectionOpened(this.labels(peer));
    this.serve(socket, null, peer, tally);
  }

  /** An L4 connection counts as one request for its peer; HTTP counts each exchange. */
  private serve(socket: Socket, initial: Buffer | null, peer: PeerInfo, tally: PeerTally): void {
    const { protocol } = this.config;
    if (protocol === 'tcp') {
      tally.request();
      this.pipeToApp(socket, initial);
      return;
    }
    if (protocol === 'http') {
      this.startHttp(socket, initial, peer, tally);
      return;
    }
    const options = { timeoutMs: this.env.sniffTimeoutMs, dialApp: () => this.dialApp() };
    sniffProtocol(socket, initial, options, (decision) => {
      if (decision.kind === 'http') this.startHttp(socket, decision.bytes, peer, tally);
      else {
        tally.request();
        pipeSockets(socket, decision.app, decision.bytes);
      }
    });
  }

  private startHttp(socket: Socket, initial: Buffer | null, peer: PeerInfo, tally: PeerTally): void {
    const session = new HttpSession(socket, this.hooks(peer, tally), this.env.pool, this.env.session);
    this.admitted.servesHttp(socket, session);
    session.start(initial);
    socket.resume();
  }

  private pipeToApp(socket: Socket, initial: Buffer | null): void {
    pipeSockets(socket, this.dialApp(), initial);
  }

  private dialApp(): Socket {
    const app = netConnect({ host: this.env.appHost, port: this.env.hostPort(this.config.port) });
    app.setNoDelay(true);
    return app;
  }

  /** A refused connection: in the peers, and as an inbound TLS decision with the mode's reason. */
  private refused(socket: Socket, reason: string): void {
    this.env.peers.refused(this.config.port, addressOf(socket), reason);
    this.env.metrics.tlsDecision('inbound', 'refused', `${reason}: ${this.config.reason}`).n++;
  }

  /**
   * Tracks the connection if the mode in force admits it (a later mode change is checked against
   * it too), and records its peer, with what the shadow mode, if any, would have done with it.
   * Undefined when refused.
   */
  private admit(socket: Socket, admission: Admission): PeerTally | undefined {
    const { mode, shadow, port } = this.config;
    if (!modeAdmits(mode, admission)) return undefined;
    this.admitted.track(socket, admission);
    const wouldRefuse = shadow === undefined ? undefined : shadowRefusal(shadow.mode, admission);
    if (wouldRefuse !== undefined) this.env.metrics.shadowRefusal(wouldRefuse, shadow!.source);
    this.env.metrics.tlsDecision('inbound', ARRIVAL_LABEL[admission.kind], this.config.reason).n++;
    return this.env.peers.admitted(
      port,
      admission,
      addressOf(socket),
      wouldRefuse === undefined ? undefined : { reason: wouldRefuse, policy: shadow!.source },
    );
  }

  private hooks(peer: PeerInfo, tally: PeerTally): SessionHooks {
    const counter = this.env.metrics.requestCounter(this.labels(peer));
    const append = peer.xfcc === undefined ? [] : [peer.xfcc];
    return {
      route: (head: RequestHead): Route => {
        if (head.method === 'CONNECT')
          return { kind: 'local', status: 405, body: 'CONNECT is not accepted on an inbound port\n' };
        return {
          kind: 'forward',
          head: writeRequestHead(head, { target: head.target, append }),
          endpoints: this.appEndpoint,
          attempts: 1,
          tunnel: false,
        };
      },
      recordRequest: (_conn, status) => {
        counter.inc(status);
        tally.request();
      },
      recordConnectFailure: () => undefined,
    };
  }

  private labels(peer: PeerInfo): {
    direction: 'inbound';
    sourcePrincipal: string;
    destinationPrincipal: string;
    tlsMode: 'mutual_tls' | 'none';
  } {
    return {
      direction: 'inbound',
      sourcePrincipal: peer.principal,
      destinationPrincipal: this.env.mesh.current?.spiffeId ?? 'unknown',
      tlsMode: peer.tlsMode,
    };
  }
}

/** How an admitted connection arrived, as the tls_mode label of automesh_tls_decisions_total. */
const ARRIVAL_LABEL: Record<Admission['kind'], string> = {
  mtls: 'mutual_tls',
  plaintext: 'plaintext',
  'tls-passthrough': 'tls_passthrough',
};

/** Why onSecure refused a TLS client, as a metric label. */
/** The peer's IP as people write it (an IPv4 client of a dual-stack socket without `::ffff:`). */
function addressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

function refusalReason(socket: TLSSocket, noCertificate: boolean): string {
  if (noCertificate) return 'no_client_certificate';
  if (socket.authorized) return 'bad_client_identity';
  const error = socket.authorizationError as Error | string | null | undefined;
  const code = typeof error === 'string' ? error : ((error as NodeJS.ErrnoException | null)?.code ?? '');
  return code === '' ? 'untrusted_client_certificate' : code.toLowerCase();
}

/** The handshake-failure reason counted while our own certificate has expired. */
const OWN_EXPIRED = 'own_certificate_expired';

function handshakeReason(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  if (code.includes('CERTIFICATE_REQUIRED') || code.includes('PEER_DID_NOT_RETURN'))
    return 'no_client_certificate';
  if (code.includes('CERTIFICATE') || code.includes('VERIFY') || code.includes('UNKNOWN_CA'))
    return 'untrusted_client_certificate';
  if (code === 'ECONNRESET') return 'connection_reset';
  return code === '' ? 'handshake_error' : code.toLowerCase();
}
