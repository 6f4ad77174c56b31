// One downstream HTTP/1.1 connection proxied request by request: parse the head, ask the listener
// where it goes, stream the body to a pooled upstream connection, stream the response back.
// Bodies are never buffered whole; backpressure pauses whichever side is ahead, across pipelined
// requests too. Each forwarded request is an Exchange; endExchange is where every one ends (and
// is recorded), answerLocally where every failure becomes what the client sees.

import type { Socket } from 'node:net';
import { BodyFramer } from '../http/body-framer.js';
import { findHeadEnd } from '../http/head-lines.js';
import { badRequest, HttpError } from '../http/http-error.js';
import { checkRequestPrefix, parseRequestHead } from '../http/request-head.js';
import type { RequestHead } from '../http/request-head.js';
import { ResponseProgress, ResponseReader } from '../http/response-reader.js';
import type { UpstreamConnection, UpstreamOwner } from '../upstream/upstream-connection.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import { Exchange } from './exchange.js';
import { connectFailureBody, localResponse, UPSTREAM_RESET_PREFIX } from './local-response.js';
import { mayResend } from './resend-policy.js';
import type { SessionHooks } from './route.js';

export interface HttpSessionConfig {
  maxHeadBytes: number;
  /** Pipelined or early bytes held while an exchange is in flight before reading pauses. */
  maxPendingBytes: number;
  /** Downstream idle timeout (between requests, or while nothing moves). */
  idleTimeoutMs: number;
  /** From the first byte of a request head to its end; idle time alone never trips it. */
  headTimeoutMs: number;
  /**
   * A request up to this size is kept until the first response byte, to resend it if a pooled
   * connection was stale and resend-policy allows it (not sent, or idempotent and complete).
   */
  replayLimitBytes: number;
}

const enum Phase {
  Head,
  Connecting,
  Streaming,
  Tunnel,
  Closed,
}

/** How an exchange ends (see endExchange). */
const enum End {
  /** The response was forwarded whole: its connection goes back to the pool if it can be reused. */
  Reuse,
  /** The client got what the upstream sent, but the connection cannot be reused. */
  Close,
  /** The client gets the sidecar's own answer: recorded without the connection. */
  Local,
  /** The client went away, or a tunnel ended (recorded when it opened): nothing to record. */
  Abandon,
}

export class HttpSession implements UpstreamOwner {
  private phase = Phase.Head;
  private pending: Buffer | null = null;
  private exchange: Exchange | null = null;
  private readonly reqBody = new BodyFramer(badRequest, true);
  private readonly response: ResponseReader;
  private pausedForUpstream = false;
  /** Reading paused until the client takes the responses already written (see pumpLoop). */
  private pausedForDownstream = false;
  private clientEnded = false;
  /** closeAfterExchange was called: no request after the current one is served. */
  private closeRequested = false;
  private pumping = false;
  /** An upstream socket corked while a request's head and first body bytes are written (see attach). */
  private corked: Socket | null = null;
  private headTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly hooks: SessionHooks,
    private readonly pool: UpstreamPool,
    private readonly config: HttpSessionConfig,
  ) {
    this.response = new ResponseReader(config.maxHeadBytes, (bytes) => this.writeDownstream(bytes));
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

  /**
   * Closes the downstream connection once the exchange in flight (if any) has completed and its
   * response been written; at once if the session is idle between requests (responses already
   * written are flushed first). Used when a port's mode tightens and when a downstream connection
   * reaches its maximum age. A tunnel (CONNECT, or after a 101) is past its exchange's response:
   * it is closed at once.
   */
  closeAfterExchange(): void {
    this.closeRequested = true;
    if (this.phase === Phase.Head) this.endDownstream();
    else if (this.phase === Phase.Tunnel) this.socket.destroy();
  }

  /** Feeds bytes that were read before the session took over the socket (protocol sniffing). */
  start(initial: Buffer | null): void {
    if (initial !== null && initial.length > 0) this.onDownstreamData(initial);
    // The client may have half-closed while its first bytes were being sniffed.
    if (this.socket.readableEnded && !this.clientEnded) this.onDownstreamEnd();
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
        if (this.pending === null) return;
        // A client that pipelines requests and reads no answers would otherwise have every
        // response buffered here: the next request waits until the last one's bytes are taken.
        if (this.socket.writableNeedDrain) {
          this.pausedForDownstream = true;
          this.socket.pause();
          return;
        }
        if (!this.readHead()) return;
        continue;
      }
      const ex = this.exchange;
      if (this.phase !== Phase.Streaming || ex === null || ex.requestDone || this.pending === null) return;
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
      ex.requestDone = true;
      if (this.response.done) this.finishExchange(ex);
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
      this.answerLocally(route.status, route.body, head.keepAlive && head.body.kind === 'none');
      return;
    }
    this.reqBody.reset(head.body);
    this.response.reset(head.method, head.upgrade);
    const ex = new Exchange(head, route, !route.tunnel && this.reqBody.done);
    this.exchange = ex;
    this.phase = Phase.Connecting;
    this.acquire(ex, false, undefined);
  }

  private acquire(ex: Exchange, fresh: boolean, lastError: Error | undefined): void {
    const dialer = fresh ? ex.dialer : ex.route.endpoints.next();
    if (dialer === undefined || ex.attemptsLeft <= 0) {
      const neverTried = ex.attemptsMade === 0 && lastError === undefined;
      const body = neverTried ? 'no healthy upstream' : connectFailureBody(lastError);
      this.answerLocally(503, body, ex.head.keepAlive && ex.requestDone);
      return;
    }
    ex.dialer = dialer;
    ex.attemptsLeft--;
    ex.attemptsMade++;
    const idle = fresh ? undefined : this.pool.takeIdle(dialer.key);
    if (idle !== undefined) {
      this.attach(ex, idle);
      return;
    }
    this.pool.connect(dialer, (err, conn) => this.onConnected(ex, err, conn));
  }

  private onConnected(ex: Exchange, err: Error | null, conn: UpstreamConnection | null): void {
    if (ex !== this.exchange || this.phase !== Phase.Connecting) {
      if (conn !== null) this.pool.release(conn);
      return;
    }
    if (conn === null) {
      const error = err ?? new Error('connect failed');
      this.hooks.recordConnectFailure(error);
      this.acquire(ex, false, error);
      return;
    }
    this.attach(ex, conn);
  }

  private attach(ex: Exchange, conn: UpstreamConnection): void {
    ex.upstream = conn;
    conn.owner = this;
    const reused = conn.requests > 0;
    conn.requests++;
    if (ex.route.tunnel) {
      this.socket.write('HTTP/1.1 200 Connection established\r\n\r\n', 'latin1');
      this.openTunnel(ex, 200);
      this.resumeDownstream();
      return;
    }
    this.phase = Phase.Streaming;
    ex.startAttempt(reused, conn.socket.writable);
    const resend = ex.resend;
    ex.resend = null;
    // The head and the body bytes already read leave in one write (one TLS record, one syscall):
    // the outermost pump uncorks once it has forwarded what it has, whether it is running now
    // (a pooled connection taken while parsing the head) or starts below (a new connection).
    // Corking costs a little on its own: only when body bytes are here to go with the head.
    this.uncorkUpstream();
    if (resend !== null ? resend.length > 1 : this.pending !== null && !ex.requestDone) {
      conn.socket.cork();
      this.corked = conn.socket;
    }
    if (resend !== null) for (const b of resend) this.writeUpstream(b);
    else this.writeUpstream(ex.route.head);
    this.pump();
    if (this.phase === Phase.Streaming) this.resumeDownstream();
  }

  /** From here bytes flow both ways unread: CONNECT after its 200, an upgrade after its 101 (both written). */
  private openTunnel(ex: Exchange, status: number): void {
    this.phase = Phase.Tunnel;
    ex.sentToClient = true;
    this.hooks.recordRequest(ex.upstream, status);
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) this.writeUpstream(pending);
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
    const ex = this.exchange;
    const conn = ex?.upstream;
    if (ex === null || conn === null || conn === undefined) return;
    ex.keepForReplay(data, this.config.replayLimitBytes);
    if (!conn.write(data)) {
      this.pausedForUpstream = true;
      this.socket.pause();
    }
  }

  onUpstreamDrain(): void {
    if (!this.pausedForUpstream) return;
    this.pausedForUpstream = false;
    this.resumeDownstream();
  }

  private onDownstreamDrain(): void {
    const conn = this.exchange?.upstream;
    if (conn !== null && conn !== undefined && conn.socket.isPaused()) conn.socket.resume();
    if (!this.pausedForDownstream) return;
    this.pausedForDownstream = false;
    this.resumeDownstream();
    this.pump();
  }

  /** Reads from the client again unless one side is still behind. */
  private resumeDownstream(): void {
    if (this.phase === Phase.Closed || this.pausedForUpstream || this.pausedForDownstream) return;
    if (this.socket.isPaused()) this.socket.resume();
  }

  private writeDownstream(data: Buffer): void {
    const ex = this.exchange;
    if (ex !== null) ex.sentToClient = true;
    if (!this.socket.write(data) && ex !== null && ex.upstream !== null) ex.upstream.socket.pause();
  }

  onUpstreamData(chunk: Buffer): void {
    if (this.phase === Phase.Tunnel) {
      this.writeDownstream(chunk);
      return;
    }
    const ex = this.exchange;
    if (this.phase !== Phase.Streaming || ex === null) return;
    ex.replay = null;
    let progress: ResponseProgress;
    try {
      progress = this.response.read(chunk);
    } catch (err) {
      this.failResponse(err);
      return;
    }
    if (progress === ResponseProgress.More) return;
    if (progress === ResponseProgress.Upgrade) {
      this.openTunnel(ex, 101);
      return;
    }
    if (progress === ResponseProgress.DoneWithLeftover) ex.upstreamLeftover = true;
    if (!ex.requestDone) {
      // The response ended before the request body: the request stream cannot be resynchronized.
      this.endExchange(this.response.status, End.Close);
      this.endDownstream();
      return;
    }
    this.finishExchange(ex);
    this.pump();
  }

  /** The response was forwarded whole: on to the next request, unless either side wants to close. */
  private finishExchange(ex: Exchange): void {
    this.endExchange(this.response.status, End.Reuse);
    if (!ex.head.keepAlive || !this.response.keepAlive || this.clientEnded || this.closeRequested) {
      this.endDownstream();
      return;
    }
    this.phase = Phase.Head;
    this.resumeDownstream();
  }

  onUpstreamClose(hadError: boolean): void {
    const ex = this.exchange;
    if (ex === null || ex.upstream === null) return;
    if (this.phase === Phase.Tunnel) {
      this.endExchange(0, End.Abandon);
      this.phase = Phase.Closed;
      if (hadError) this.socket.destroy();
      else this.socket.end(() => this.socket.destroy());
      return;
    }
    if (this.phase !== Phase.Streaming) {
      ex.upstream = null;
      return;
    }
    if (this.response.endsAtClose && !hadError) {
      this.endExchange(this.response.status, End.Close);
      this.endDownstream();
      return;
    }
    const written = ex.requestWritten;
    if (
      ex.replay !== null &&
      ex.resend === null &&
      mayResend({ method: ex.head.method, written, complete: ex.requestDone })
    ) {
      // A pooled connection the peer closed just as we reused it: resend once on a fresh one.
      // (No response byte came, so nothing reached the client either.)
      ex.upstream = null;
      ex.resend = ex.replay;
      ex.replay = null;
      this.phase = Phase.Connecting;
      ex.attemptsLeft = Math.max(ex.attemptsLeft, 1);
      this.acquire(ex, true, undefined);
      return;
    }
    const body = UPSTREAM_RESET_PREFIX + 'connection termination';
    this.answerLocally(503, body, ex.head.keepAlive && ex.requestDone);
  }

  /**
   * Ends the current exchange: the one place an exchange is recorded (once, as `end` says) and its
   * upstream connection let go of, pooled again only after a clean, reusable response.
   */
  private endExchange(status: number, end: End): void {
    const ex = this.exchange;
    if (ex === null) return;
    this.exchange = null;
    const conn = ex.upstream;
    ex.upstream = null;
    if (end !== End.Abandon) this.hooks.recordRequest(end === End.Local ? null : conn, status);
    if (conn === null) return;
    if (end === End.Reuse && this.response.keepAlive && !ex.upstreamLeftover && !conn.closed) {
      this.pool.release(conn);
    } else conn.destroy();
  }

  /**
   * The one place a failure becomes what the client sees: the sidecar's own answer if no byte of
   * a response reached the client yet, the connection kept for the next request only when
   * `keepOpen` (the request was read whole and asked for keep-alive); once response bytes went
   * out, cutting the connection is the only honest signal left.
   */
  private answerLocally(status: number, body: string, keepOpen: boolean): void {
    const ex = this.exchange;
    if (ex !== null && ex.sentToClient) {
      this.endExchange(this.response.status, End.Close);
      this.phase = Phase.Closed;
      this.pending = null;
      this.socket.destroy();
      return;
    }
    if (ex !== null) this.endExchange(status, End.Local);
    else this.hooks.recordRequest(null, status);
    const keep = keepOpen && !this.clientEnded && !this.closeRequested;
    if (keep) {
      this.phase = Phase.Head;
      this.socket.write(localResponse(status, body, false), 'latin1');
      this.resumeDownstream();
      this.pump();
      return;
    }
    this.phase = Phase.Closed;
    this.pending = null;
    this.socket.end(localResponse(status, body, true), 'latin1', () => this.socket.destroy());
  }

  /** A request the client sent that we refuse: its own status (400, 431, ...). */
  private failRequest(err: unknown): void {
    if (!(err instanceof HttpError)) throw err as Error;
    this.answerLocally(err.status, `${err.message}\n`, false);
  }

  /** A response the upstream sent that we cannot forward: 502. */
  private failResponse(err: unknown): void {
    if (!(err instanceof HttpError)) throw err as Error;
    this.answerLocally(502, `upstream sent an invalid response: ${err.message}\n`, false);
  }

  private endDownstream(): void {
    this.phase = Phase.Closed;
    this.pending = null;
    this.socket.end(() => this.socket.destroy());
  }

  private onDownstreamEnd(): void {
    this.clientEnded = true;
    if (this.phase === Phase.Tunnel) {
      this.exchange?.upstream?.socket.end();
      return;
    }
    if (this.phase === Phase.Head) this.endDownstream();
  }

  private onDownstreamClose(): void {
    this.clearHeadTimer();
    this.phase = Phase.Closed;
    this.pending = null;
    this.endExchange(0, End.Abandon);
  }
}
