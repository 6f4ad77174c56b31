// What a listener decides for one request: answer it here, or forward it upstream.

import type { RequestHead } from '../http/request-head.js';
import type { UpstreamDialer } from '../upstream/upstream-pool.js';
import type { UpstreamConnection } from '../upstream/upstream-connection.js';

/** Endpoints to try for one request, in order (round robin picks the start). */
export interface EndpointSequence {
  /** The next dialer to try, or undefined when every candidate was tried. */
  next(): UpstreamDialer | undefined;
}

export type Route =
  | { kind: 'local'; status: number; body: string }
  | {
      kind: 'forward';
      /** The head to send upstream (already rewritten). */
      head: string;
      endpoints: EndpointSequence;
      /** Connection attempts allowed for failures before the request was sent (1 + retries). */
      attempts: number;
      /** CONNECT: after the upstream connection is up, answer 200 and pipe bytes both ways. */
      tunnel: boolean;
    };

export interface SessionHooks {
  route(head: RequestHead): Route;
  /** Called once per finished request with the status the client saw (0 when it saw none). */
  recordRequest(conn: UpstreamConnection | null, status: number): void;
  /** Called for each failed attempt to open an upstream connection. */
  recordConnectFailure(err: Error): void;
}
