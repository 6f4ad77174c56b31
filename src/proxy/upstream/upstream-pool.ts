// Keep-alive pools of upstream connections keyed by endpoint and TLS parameters: LIFO (the
// warmest connection first), bounded, idle ones closed before the peer's keep-alive runs out.

import type { Socket } from 'node:net';
import { UpstreamConnection } from './upstream-connection.js';
import type { UpstreamConnectionInfo } from './upstream-connection.js';

export interface UpstreamPoolConfig {
  maxIdlePerKey: number;
  idleTimeoutMs: number;
  maxRequestsPerConnection: number;
  maxConnectionAgeMs: number;
  connectTimeoutMs: number;
  /** Once a connection is in use: close it when nothing moves for this long. */
  streamIdleTimeoutMs: number;
}

/** How to open one connection to an endpoint; resolves when it is ready for bytes (after TLS). */
export interface UpstreamDialer {
  readonly key: string;
  dial(): { socket: Socket; ready: Promise<UpstreamConnectionInfo> };
}

export type AcquireCallback = (err: Error | null, conn: UpstreamConnection | null) => void;

export class UpstreamPool {
  private readonly idle = new Map<string, UpstreamConnection[]>();
  private readonly open = new Set<UpstreamConnection>();
  private closing = false;
  /** Connections opened at or before this time are never pooled again (see retireAll). */
  private retiredBefore = -Infinity;

  constructor(
    private readonly config: UpstreamPoolConfig,
    private readonly now: () => number = Date.now,
    private readonly onOpen: (info: UpstreamConnectionInfo) => void = () => undefined,
  ) {}

  /** Number of open upstream connections (idle and in use). */
  get size(): number {
    return this.open.size;
  }

  /** An idle connection for the key, if one is usable (synchronous, the hot path). */
  takeIdle(key: string): UpstreamConnection | undefined {
    const list = this.idle.get(key);
    if (list === undefined) return undefined;
    for (;;) {
      const conn = list.pop();
      if (conn === undefined) return undefined;
      if (conn.closed || conn.socket.destroyed) continue;
      // The peer's FIN was read and our side ended with it: nothing more can be sent on it.
      if (!conn.socket.writable) {
        conn.destroy();
        continue;
      }
      return conn;
    }
  }

  /** Opens a new connection; the callback runs once. */
  connect(dialer: UpstreamDialer, callback: AcquireCallback): void {
    if (this.closing) {
      callback(Object.assign(new Error('proxy is closing'), { code: 'AUTOMESH_ERR_PROXY_CLOSING' }), null);
      return;
    }
    let socket: Socket;
    let ready: Promise<UpstreamConnectionInfo>;
    try {
      ({ socket, ready } = dialer.dial());
    } catch (err) {
      callback(err as Error, null);
      return;
    }
    socket.setTimeout(this.config.connectTimeoutMs, () => {
      socket.destroy(
        Object.assign(new Error('connect timeout'), { code: 'AUTOMESH_ERR_PROXY_CONNECT_TIMEOUT' }),
      );
    });
    ready.then(
      (info) => {
        socket.removeAllListeners('timeout');
        // One timer for the connection's life (re-armed by Node on every read and write): it
        // closes idle pooled connections, and counts silence for one in use (see onTimeout).
        socket.setTimeout(this.config.idleTimeoutMs);
        const conn = new UpstreamConnection(
          socket,
          info,
          this.now(),
          (c) => this.forget(c),
          (c) => this.onTimeout(c),
        );
        this.open.add(conn);
        this.onOpen(info);
        callback(null, conn);
      },
      (err: Error) => {
        socket.destroy();
        callback(err, null);
      },
    );
  }

  /** Returns a connection whose exchange finished cleanly; closes it if it should not be reused. */
  release(conn: UpstreamConnection): void {
    conn.owner = null;
    const age = this.now() - conn.createdAt;
    if (
      this.closing ||
      conn.closed ||
      conn.createdAt <= this.retiredBefore ||
      conn.requests >= this.config.maxRequestsPerConnection ||
      age >= this.config.maxConnectionAgeMs
    ) {
      conn.destroy();
      return;
    }
    let list = this.idle.get(conn.info.key);
    if (list === undefined) {
      list = [];
      this.idle.set(conn.info.key, list);
    }
    if (list.length >= this.config.maxIdlePerKey) {
      conn.destroy();
      return;
    }
    // A paused socket would not notice the peer closing: idle connections always read.
    if (conn.socket.isPaused()) conn.socket.resume();
    conn.idleSince = this.now();
    list.push(conn);
  }

  /** Closes idle connections for keys that are no longer wanted (endpoint gone, TLS changed). */
  retain(wanted: (key: string) => boolean): void {
    for (const [key, list] of this.idle) {
      if (wanted(key)) continue;
      for (const conn of list) conn.destroy();
      this.idle.delete(key);
    }
  }

  /** Closes idle connections (used on certificate rotation and shutdown). */
  closeIdle(): void {
    for (const list of this.idle.values()) for (const conn of list) conn.destroy();
    this.idle.clear();
  }

  /** Closes idle connections, and those in use once their exchange ends: none is reused. */
  retireAll(): void {
    this.retiredBefore = this.now();
    this.closeIdle();
  }

  closeAll(): void {
    this.closing = true;
    this.closeIdle();
    for (const conn of this.open) conn.socket.destroy();
  }

  private onTimeout(conn: UpstreamConnection): void {
    if (conn.owner !== null) {
      // In use but silent: give the exchange up to the stream idle timeout before closing.
      conn.silentMs += this.config.idleTimeoutMs;
      if (conn.silentMs < this.config.streamIdleTimeoutMs) {
        conn.socket.setTimeout(this.config.idleTimeoutMs);
        return;
      }
    }
    conn.socket.destroy();
  }

  private forget(conn: UpstreamConnection): void {
    this.open.delete(conn);
    const list = this.idle.get(conn.info.key);
    if (list === undefined) return;
    const at = list.indexOf(conn);
    if (at !== -1) list.splice(at, 1);
  }
}
