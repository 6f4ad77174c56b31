// One connection to an upstream (the app, a peer sidecar, or an outside host). It keeps one
// persistent set of listeners and dispatches to whichever exchange owns it right now, so no
// per-request listeners or closures are created on the hot path.

import type { Socket } from 'node:net';

export type TlsModeLabel = 'mutual_tls' | 'none';

/** The exchange currently using a connection. */
export interface UpstreamOwner {
  onUpstreamData(chunk: Buffer): void;
  onUpstreamClose(hadError: boolean): void;
  onUpstreamDrain(): void;
}

export interface UpstreamConnectionInfo {
  /** Pool key: endpoint plus TLS parameters. */
  key: string;
  tlsMode: TlsModeLabel;
  /** The peer's verified SPIFFE ID for mesh mTLS, 'unknown' otherwise. */
  peerPrincipal: string;
}

export class UpstreamConnection {
  owner: UpstreamOwner | null = null;
  /** Requests started on this connection. */
  requests = 0;
  closed = false;
  lastError: Error | undefined;
  idleSince = 0;
  /** Time spent in use without a byte from the peer, counted in idle-timeout steps. */
  silentMs = 0;
  /** Per-connection metrics handle, made on first use by the listener that owns the metrics. */
  metricsCell: unknown = undefined;
  /** Per-connection destination record (outbound/destination-observations), made on first use. */
  destinationCell: unknown = undefined;
  readonly createdAt: number;

  constructor(
    readonly socket: Socket,
    readonly info: UpstreamConnectionInfo,
    now: number,
    private readonly onClosed: (conn: UpstreamConnection) => void,
    private readonly onIdleTimeout: (conn: UpstreamConnection) => void,
  ) {
    this.createdAt = now;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.handleData(chunk));
    socket.on('drain', () => this.owner?.onUpstreamDrain());
    socket.on('error', (err: Error) => {
      this.lastError = err;
    });
    socket.on('timeout', () => this.onIdleTimeout(this));
    socket.on('close', (hadError: boolean) => this.handleClose(hadError));
  }

  private handleData(chunk: Buffer): void {
    this.silentMs = 0;
    if (this.owner !== null) this.owner.onUpstreamData(chunk);
    // Bytes on an idle connection mean the peer is out of step with us: never reuse it.
    else this.socket.destroy();
  }

  private handleClose(hadError: boolean): void {
    this.closed = true;
    this.onClosed(this);
    const owner = this.owner;
    this.owner = null;
    owner?.onUpstreamClose(hadError);
  }

  write(data: string | Buffer): boolean {
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  destroy(): void {
    this.owner = null;
    this.socket.destroy();
  }
}
