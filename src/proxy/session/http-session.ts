// One downstream HTTP/1.1 connection proxied request by request: parse the head, ask the listener
// where it goes, stream the body to a pooled upstream connection, stream the response back.
// Bodies are never buffered whole; backpressure pauses whichever side is ahead.

import type { Socket } from 'node:net';
import { BodyFramer } from '../http/body-framer.js';
import { findHeadEnd } from '../http/head-lines.js';
import { badRequest, HttpError } from '../http/http-error.js';
import { checkRequestPrefix, parseRequestHead } from '../http/request-head.js';
import type { RequestHead } from '../http/request-head.js';
import { parseResponseHead } from '../http/response-head.js';
import type { UpstreamConnection, UpstreamOwner } from '../upstream/upstream-connection.js';
import type { UpstreamDialer, UpstreamPool } from '../upstream/upstream-pool.js';
import { connectFailureBody, localResponse, UPSTREAM_RESET_PREFIX } from './local-response.js';
import type { Route, SessionHooks } from './route.js';

export interface HttpSessionConfig {
  maxHeadBytes: number;
  /** Pipelined or early bytes held while an exchange is in flight before reading pauses. */
  maxPendingBytes: number;
  /** Downstream idle timeout (between requests, or while nothing moves). */
  idleTimeoutMs: number;
  /** From the first byte of a request head to its end; idle time alone never trips it. */
  headTimeoutMs: number;
  /** A request up to this size is kept until the first response byte, to resend it if a pooled connection was stale. */
  replayLimitBytes: number;
}

const enum Phase {
  Head,
  Connecting,
  Streaming,
  Tunnel,
  Closed,
}

type ForwardRoute = Extract<Route, { kind: 'forward' }>;

function badResponse(message: string): HttpError {
  return new HttpError('AUTOMESH_ERR_PROXY_BAD_RESPONSE', message, 502);
}

export class HttpSession implements UpstreamOwner {
  private phase = Phase.Head;
  private pending: Buffer | null = null;
  private head: RequestHead | null = null;
  private route: ForwardRoute | null = null;
  private readonly reqBody = new BodyFramer(badRequest, true);
  private readonly resBody = new BodyFramer(badResponse);
  private reqDone = false;
  private resHeadBuf: Buffer | null = null;
  private resHeadDone = false;
  private resKeepAlive = false;
  private resStatus = 0;
  private sentToClient = false;
  private upstreamLeftover = false;
  private upstream: UpstreamConnection | null = null;
  private dialer: UpstreamDialer | undefined;
  private attemptsLeft = 0;
  private attemptsMade = 0;
  private replay: Array<Buffer | string> | null = null;
  private replayBytes = 0;
  private resend: Array<Buffer | string> | null = null;
  private generation = 0;
  private pausedForUpstream = false;
  private clientEnded = false;
  private pumping = false;
  /** An upstream socket corked while a request's head and first body bytes are written (see attach). */
  private corked: Socket | null = null;
  private headTimer: NodeJS.Timeout | null = null;
  /** Set by closeAfterExchange: the exchange in flight is the connection's last. */
  private closeRequested = false;

  constructor(
    private readonly socket: Socket,
    private readonly hooks: SessionHooks,
    private readonly pool: UpstreamPool,
    private readonly config: HttpSessionConfig,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(config.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onDownstreamData(chunk));
    socket.on('drain', () => this.onDownstreamDrain());
    socket.on('end', () => this.onDownstreamEnd());
    socket.on('timeout', () => socket.destroy());
    // Errors are followed by 'close', where the exchange is torn down; nothing more to do here.
    socket.on('error', () => undefined);
    socket.on('close', () => this.onDownstreamClose());
  }

  /** Feeds bytes that were read before the session took over the socket (protocol sniffing). */
  start(initial: Buffer | null): void {
    if (initial !== null && initial.length > 0) this.onDownstreamData(initial);
    // The client may have half-closed while its first bytes were being sniffed.
    if (this.socket.readableEnded && !this.clientEnded) this.onDownstreamEnd();
  }

  /**
   * Closes the downstream connection once the in-flight exchange (if any) has completed and its
   * response been written; at once if the session is idle between requests (a partly received
   * head counts as idle: nothing was forwarded for it). A tunnel (an upgrade) is closed at once:
   * it has no end of exchange to wait for. Pipelined requests after the current one are dropped.
   */
  closeAfterExchange(): void {
    if (this.phase === Phase.Closed) return;
    this.closeRequested = true;
    if (this.phase === Phase.Head) this.endDownstream();
    else if (this.phase === Phase.Tunnel) {
      this.phase = Phase.Closed;
      this.socket.destroy();
    }
  }

  private onDownstreamData(chunk: Buffer): void {
    if (this.phase === Phase.Tunnel) {
      this.writeUpstream(chunk);
      return;
    }
    if (this.phase === Phase.Closed) return;
    this.pending = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pump();
    if (this.pending !== null && this.pending.length > this.config.maxPendingBytes) this.socket.pause();
  }

  /** Moves pending downstream bytes along. Re-entrant calls return at once: the running loop picks up the new state. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.pumpLoop();
    } finally {
      this.pumping = false;
      this.uncorkUpstream();
    }
  }

  private uncorkUpstream(): void {
    const socket = this.corked;
    if (socket === null) return;
    this.corked = null;
    socket.uncork();
  }

  private pumpLoop(): void {
    for (;;) {
      if (this.phase === Phase.Head) {
        if (this.pending === null || !this.readHead()) return;
        continue;
      }
      if (this.phase !== Phase.Streaming || this.reqDone || this.pending === null) return;
      const pending = this.pending;
      let n: number;
      try {
        n = this.reqBody.consume(pending, 0);
      } catch (err) {
        this.failRequest(err);
        return;
      }
      this.pending = n === pending.length ? null : pending.subarray(n);
      if (n > 0) this.writeRequestBody(pending, n);
      if (!this.reqBody.done) return;
      this.reqDone = true;
      if (this.resBody.done && this.resHeadDone) this.finishExchange();
    }
  }

  /** Parses one head from pending and starts its exchange; false when more bytes are needed or it failed. */
  private readHead(): boolean {
    const pending = this.pending!;
    let head: RequestHead;
    try {
      const end = findHeadEnd(pending, this.config.maxHeadBytes);
      if (end === -1) {
        checkRequestPrefix(pending);
        this.startHeadTimer();
        return false;
      }
      const text = pending.toString('latin1', 0, end);
      this.pending = end === pending.length ? null : pending.subarray(end);
      head = parseRequestHead(text);
    } catch (err) {
      this.failRequest(err);
      return false;
    }
    this.beginExchange(head);
    return true;
  }

  /** Bytes moving reset the idle timeout, so a head dripped in byte by byte needs its own deadline. */
  private startHeadTimer(): void {
    if (this.headTimer !== null) return;
    this.headTimer = setTimeout(() => {
      this.headTimer = null;
      if (this.phase !== Phase.Head || this.pending === null) return;
      this.failRequest(
        new HttpError('AUTOMESH_ERR_PROXY_HEAD_TIMEOUT', 'request head not received in time', 408),
      );
    }, this.config.headTimeoutMs);
    this.headTimer.unref();
  }

  private clearHeadTimer(): void {
    if (this.headTimer === null) return;
    clearTimeout(this.headTimer);
    this.headTimer = null;
  }

  private beginExchange(head: RequestHead): void {
    this.clearHeadTimer();
    const route = this.hooks.route(head);
    if (route.kind === 'local') {
      const keep = head.keepAlive && head.body.kind === 'none' && !this.clientEnded;
      this.hooks.recordRequest(null, route.status);
      this.writeLocal(route.status, route.body, keep);
      return;
    }
    this.generation++;
    this.head = head;
    this.route = route;
    this.reqBody.reset(head.body);
    this.reqDone = route.tunnel ? false : this.reqBody.done;
    this.resHeadDone = false;
    this.resHeadBuf = null;
    this.resStatus = 0;
    this.sentToClient = false;
    this.upstreamLeftover = false;
    this.resend = null;
    this.attemptsLeft = route.attempts;
    this.attemptsMade = 0;
    this.phase = Phase.Connecting;
    this.acquire(false, undefined);
  }

  private acquire(fresh: boolean, lastError: Error | undefined): void {
    const route = this.route!;
    const dialer = fresh ? this.dialer : route.endpoints.next();
    if (dialer === undefined || this.attemptsLeft <= 0) {
      const neverTried = this.attemptsMade === 0 && lastError === undefined;
      this.respondLocally(503, neverTried ? 'no healthy upstream' : connectFailureBody(lastError));
      return;
    }
    this.dialer = dialer;
    this.attemptsLeft--;
    this.attemptsMade++;
    const idle = fresh ? undefined : this.pool.takeIdle(dialer.key);
    if (idle !== undefined) {
      this.attach(idle);
      return;
    }
    const generation = this.generation;
    this.pool.connect(dialer, (err, conn) => this.onConnected(generation, err, conn));
  }

  private onConnected(generation: number, err: Error | null, conn: UpstreamConnection | null): void {
    if (generation !== this.generation || this.phase !== Phase.Connecting) {
      if (conn !== null) this.pool.release(conn);
      return;
    }
    if (conn === null) {
      const error = err ?? new Error('connect failed');
      this.hooks.recordConnectFailure(error);
      this.acquire(false, error);
      return;
    }
    this.attach(conn);
  }

  private attach(conn: UpstreamConnection): void {
    const route = this.route!;
    this.upstream = conn;
    conn.owner = this;
    const reused = conn.requests > 0;
    conn.requests++;
    if (route.tunnel) {
      this.phase = Phase.Tunnel;
      this.sentToClient = true;
      this.hooks.recordRequest(conn, 200);
      this.socket.write('HTTP/1.1 200 Connection established\r\n\r\n', 'latin1');
      const pending = this.pending;
      this.pending = null;
      if (pending !== null) this.writeUpstream(pending);
      if (this.socket.isPaused() && !this.pausedForUpstream) this.socket.resume();
      return;
    }
    this.phase = Phase.Streaming;
    this.replay = reused ? [] : null;
    this.replayBytes = 0;
    const resend = this.resend;
    this.resend = null;
    // The head and the body bytes already read leave in one write (one TLS record, one syscall):
    // the outermost pump uncorks once it has forwarded what it has, whether it is running now
    // (a pooled connection taken while parsing the head) or starts below (a new connection).
    // Corking costs a little on its own: only when body bytes are here to go with the head.
    this.uncorkUpstream();
    if (resend !== null ? resend.length > 1 : this.pending !== null && !this.reqDone) {
      conn.socket.cork();
      this.corked = conn.socket;
    }
    if (resend !== null) for (const b of resend) this.writeUpstream(b);
    else this.writeUpstream(route.head);
    this.pump();
    if (this.phase === Phase.Streaming && this.socket.isPaused() && !this.pausedForUpstream) {
      this.socket.resume();
    }
  }

  /** Forwards the first n bytes of buf, the request body's, less the trailer fields the framer dropped. */
  private writeRequestBody(buf: Buffer, n: number): void {
    const dropped = this.reqBody.dropped;
    if (dropped === null) {
      this.writeUpstream(n === buf.length ? buf : buf.subarray(0, n));
      return;
    }
    const [start, end] = dropped;
    if (start > 0) this.writeUpstream(buf.subarray(0, start));
    if (end < n) this.writeUpstream(buf.subarray(end, n));
  }

  private writeUpstream(data: Buffer | string): void {
    const conn = this.upstream;
    if (conn === null) return;
    if (this.replay !== null) {
      this.replayBytes += data.length;
      if (this.replayBytes > this.config.replayLimitBytes) this.replay = null;
      else this.replay.push(data);
    }
    if (!conn.write(data)) {
      this.pausedForUpstream = true;
      this.socket.pause();
    }
  }

  onUpstreamDrain(): void {
    if (!this.pausedForUpstream) return;
    this.pausedForUpstream = false;
    if (this.phase !== Phase.Closed) this.socket.resume();
  }

  private onDownstreamDrain(): void {
    const conn = this.upstream;
    if (conn !== null && conn.socket.isPaused()) conn.socket.resume();
  }

  private writeDownstream(data: Buffer): void {
    this.sentToClient = true;
    if (!this.socket.write(data) && this.upstream !== null) this.upstream.socket.pause();
  }

  onUpstreamData(chunk: Buffer): void {
    if (this.phase === Phase.Tunnel) {
      this.writeDownstream(chunk);
      return;
    }
    if (this.phase !== Phase.Streaming) return;
    this.replay = null;
    let data = chunk;
    if (this.resHeadBuf !== null) {
      data = Buffer.concat([this.resHeadBuf, chunk]);
      this.resHeadBuf = null;
    }
    try {
      this.readResponse(data);
    } catch (err) {
      this.failResponse(err);
    }
  }

  private readResponse(data: Buffer): void {
    let off = 0;
    const writeFrom = 0;
    while (!this.resHeadDone) {
      const end = findHeadEnd(off === 0 ? data : data.subarray(off), this.config.maxHeadBytes);
      if (end === -1) {
        if (off > writeFrom) this.writeDownstream(data.subarray(writeFrom, off));
        this.resHeadBuf = data.subarray(off);
        return;
      }
      const res = parseResponseHead(data.toString('latin1', off, off + end), this.head!.method);
      off += end;
      if (res.status === 101) {
        if (!this.head!.upgrade) throw badResponse('101 without an upgrade request');
        this.startUpgradeTunnel(data.subarray(writeFrom));
        return;
      }
      if (res.status >= 100 && res.status < 200) continue;
      this.resHeadDone = true;
      this.resStatus = res.status;
      this.resKeepAlive = res.keepAlive;
      this.resBody.reset(res.body);
    }
    const n = this.resBody.consume(data, off);
    const end = off + n;
    if (end > writeFrom)
      this.writeDownstream(end === data.length && writeFrom === 0 ? data : data.subarray(writeFrom, end));
    if (!this.resBody.done) return;
    if (end < data.length) this.upstreamLeftover = true;
    if (!this.reqDone) {
      // The response ended before the request body: the request stream cannot be resynchronized.
      this.hooks.recordRequest(this.upstream, this.resStatus);
      this.closeExchange();
      return;
    }
    this.finishExchange();
    this.pump();
  }

  private startUpgradeTunnel(fromHead: Buffer): void {
    this.phase = Phase.Tunnel;
    this.hooks.recordRequest(this.upstream, 101);
    this.writeDownstream(fromHead);
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) this.writeUpstream(pending);
  }

  private finishExchange(): void {
    const conn = this.upstream;
    const head = this.head!;
    this.upstream = null;
    this.head = null;
    this.route = null;
    this.replay = null;
    this.hooks.recordRequest(conn, this.resStatus);
    if (conn !== null) {
      if (this.resKeepAlive && !this.upstreamLeftover && !conn.closed) this.pool.release(conn);
      else conn.destroy();
    }
    if (!head.keepAlive || !this.resKeepAlive || this.clientEnded || this.closeRequested) {
      this.endDownstream();
      return;
    }
    this.phase = Phase.Head;
    if (this.socket.isPaused() && !this.pausedForUpstream) this.socket.resume();
  }

  onUpstreamClose(hadError: boolean): void {
    const conn = this.upstream;
    if (conn === null) return;
    this.upstream = null;
    if (this.phase === Phase.Tunnel) {
      this.phase = Phase.Closed;
      if (hadError) this.socket.destroy();
      else this.socket.end(() => this.socket.destroy());
      return;
    }
    if (this.phase !== Phase.Streaming) return;
    if (this.resHeadDone && this.resBody.endsAtClose && !hadError) {
      this.hooks.recordRequest(conn, this.resStatus);
      this.endDownstream();
      return;
    }
    if (this.sentToClient) {
      this.hooks.recordRequest(conn, this.resStatus);
      this.phase = Phase.Closed;
      this.socket.destroy();
      return;
    }
    if (this.replay !== null && this.resend === null) {
      // A pooled connection the peer closed just as we reused it: resend once on a fresh one.
      this.resend = this.replay;
      this.replay = null;
      this.phase = Phase.Connecting;
      this.attemptsLeft = Math.max(this.attemptsLeft, 1);
      this.acquire(true, undefined);
      return;
    }
    this.respondLocally(503, UPSTREAM_RESET_PREFIX + 'connection termination');
  }

  /** Answers the current exchange from here (no response byte was sent yet). */
  private respondLocally(status: number, body: string): void {
    const conn = this.upstream;
    this.upstream = null;
    conn?.destroy();
    const head = this.head;
    this.head = null;
    this.route = null;
    this.generation++;
    this.hooks.recordRequest(null, status);
    const keep = head !== null && head.keepAlive && this.reqDone && !this.clientEnded;
    this.writeLocal(status, body, keep);
    if (keep) this.pump();
  }

  private writeLocal(status: number, body: string, keep: boolean): void {
    if (keep && !this.closeRequested) {
      this.phase = Phase.Head;
      this.socket.write(localResponse(status, body, false), 'latin1');
      if (this.socket.isPaused() && !this.pausedForUpstream) this.socket.resume();
      return;
    }
    this.phase = Phase.Closed;
    this.pending = null;
    this.socket.end(localResponse(status, body, true), 'latin1', () => this.socket.destroy());
  }

  /** A request the client sent that we refuse: its own status (400, 431, ...). */
  private failRequest(err: unknown): void {
    if (!(err instanceof HttpError)) throw err as Error;
    this.failExchange(err.status, `${err.message}\n`);
  }

  /** A response the upstream sent that we cannot forward: 502. */
  private failResponse(err: unknown): void {
    if (!(err instanceof HttpError)) throw err as Error;
    this.failExchange(502, `upstream sent an invalid response: ${err.message}\n`);
  }

  /** Answers locally if nothing reached the client yet, else cuts the connection. */
  private failExchange(status: number, body: string): void {
    if (this.sentToClient) {
      this.closeExchange();
      this.socket.destroy();
      return;
    }
    const conn = this.upstream;
    this.upstream = null;
    conn?.destroy();
    this.hooks.recordRequest(null, status);
    this.writeLocal(status, body, false);
  }

  /** Ends the exchange without reusing anything: the upstream is closed, the downstream ended. */
  private closeExchange(): void {
    const conn = this.upstream;
    this.upstream = null;
    conn?.destroy();
    this.endDownstream();
  }

  private endDownstream(): void {
    this.phase = Phase.Closed;
    this.pending = null;
    this.socket.end(() => this.socket.destroy());
  }

  private onDownstreamEnd(): void {
    this.clientEnded = true;
    if (this.phase === Phase.Tunnel) {
      this.upstream?.socket.end();
      return;
    }
    if (this.phase === Phase.Head) this.endDownstream();
  }

  private onDownstreamClose(): void {
    this.clearHeadTimer();
    this.phase = Phase.Closed;
    this.pending = null;
    const conn = this.upstream;
    this.upstream = null;
    conn?.destroy();
  }
}
