// The state of one forwarded request on a session, from its parsed head to the end of its
// response (or tunnel). A new one per request, so nothing is reset by hand between requests; a
// session holds at most one, and HttpSession.endExchange is where each one ends.

import type { RequestHead } from '../http/request-head.js';
import type { UpstreamConnection } from '../upstream/upstream-connection.js';
import type { UpstreamDialer } from '../upstream/upstream-pool.js';
import type { Route } from './route.js';

export type ForwardRoute = Extract<Route, { kind: 'forward' }>;

export class Exchange {
  /** The request body was read and forwarded whole (never, for a tunnel). */
  requestDone: boolean;
  /** A byte of the response (or of a tunnel) reached the client: no local answer is possible. */
  sentToClient = false;
  /** Bytes followed the response on its connection: it is out of step, never reuse it. */
  upstreamLeftover = false;
  upstream: UpstreamConnection | null = null;
  /** The endpoint of the current attempt (a resend goes to the same one). */
  dialer: UpstreamDialer | undefined = undefined;
  attemptsLeft: number;
  attemptsMade = 0;
  /** What went to a reused pooled connection, until its first response byte (see resend-policy). */
  replay: Array<Buffer | string> | null = null;
  private replayBytes = 0;
  /** Some byte of the request went to the current upstream connection (it was writable). */
  requestWritten = false;
  /** Bytes to write first on the fresh connection of a resend. */
  resend: Array<Buffer | string> | null = null;

  constructor(
    readonly head: RequestHead,
    readonly route: ForwardRoute,
    requestDone: boolean,
  ) {
    this.requestDone = requestDone;
    this.attemptsLeft = route.attempts;
  }

  /** A connection was attached: replay is kept only for a reused one, which may turn out stale. */
  startAttempt(reused: boolean, writable: boolean): void {
    this.replay = reused ? [] : null;
    this.replayBytes = 0;
    // The head is the first write: if it cannot leave, none of the request reached the peer.
    this.requestWritten = writable;
  }

  /** Keeps bytes written upstream for a resend, up to limitBytes (past it, no resend). */
  keepForReplay(data: Buffer | string, limitBytes: number): void {
    if (this.replay === null) return;
    this.replayBytes += data.length;
    if (this.replayBytes > limitBytes) this.replay = null;
    else this.replay.push(data);
  }
}
