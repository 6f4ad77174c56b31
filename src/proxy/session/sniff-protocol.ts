// Decides how a connection to an `auto` port is served: as HTTP (the sidecar reads each request,
// strips and writes X-Forwarded-Client-Cert) or as raw bytes piped to the app, which the sidecar
// never reads. Raw only for bytes that cannot be an HTTP request, or for an app that speaks first:
//   - The client's first bytes decide (sniffHttp). A client that stalls past the timeout with
//     bytes that could still start a request gets HTTP, never raw: a partial first line and a
//     pause must not be a way past the sidecar.
//   - A client silent for the whole timeout may be waiting for a server-first app (MySQL, SMTP),
//     so the app is dialled and whoever speaks first decides. The app first: raw, since an HTTP
//     app never speaks before it has read a request. The client first: its bytes are sniffed as
//     above while the app has been sent nothing, so a request sent after a silence is HTTP too.

import type { Socket } from 'node:net';
import { HTTP_SNIFF_BYTES, settleHttpSniff, sniffHttp } from './http-sniff.js';
import { peekSocket } from './socket-peek.js';

/** Bytes read while sniffing, to be fed to the HTTP session or written to the app first. */
export type ProtocolDecision =
  | { kind: 'http'; bytes: Buffer }
  /** `app` is connected or connecting; anything it sent already is unshifted back into it. */
  | { kind: 'raw'; bytes: Buffer; app: Socket };

export interface SniffProtocolOptions {
  /** How long the client may take to say something decisive (the sidecar's sniffTimeoutMs). */
  timeoutMs: number;
  /** A new connection to the app, for a raw pipe. */
  dialApp(): Socket;
}

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Calls `done` once with the decision, with the downstream socket paused; not at all if the client
 * goes away first. `initial` holds bytes an earlier sniff read (the TLS one): an empty buffer says
 * that sniff waited its whole timeout in silence, so silence is not waited for twice.
 */
export function sniffProtocol(
  socket: Socket,
  initial: Buffer | null,
  options: SniffProtocolOptions,
  done: (decision: ProtocolDecision) => void,
): void {
  const first = initial ?? EMPTY;
  const decide = (verdict: 'http' | 'not-http', bytes: Buffer): void =>
    done(verdict === 'http' ? { kind: 'http', bytes } : { kind: 'raw', bytes, app: options.dialApp() });
  const verdict = sniffHttp(first);
  if (verdict !== 'undecided' || socket.readableEnded) {
    decide(verdict === 'undecided' ? settled(first) : verdict, first);
    return;
  }
  if (initial !== null && initial.length === 0) {
    awaitFirstSpeaker(socket, options, done);
    return;
  }
  peekSocket<'http' | 'not-http' | 'gave-up'>(
    socket,
    (buf) => {
      const v = sniffHttp(first.length === 0 ? buf : Buffer.concat([first, buf]));
      return v === 'undecided' ? undefined : v;
    },
    { maxBytes: HTTP_SNIFF_BYTES, timeoutMs: options.timeoutMs, onTimeout: 'gave-up' },
    (outcome, bytes) => {
      const all = first.length === 0 ? bytes : Buffer.concat([first, bytes]);
      if (outcome !== 'gave-up') decide(outcome, all);
      else if (all.length > 0 || socket.readableEnded) decide(settled(all), all);
      else awaitFirstSpeaker(socket, options, done);
    },
  );
}

/**
 * The verdict when the client will say no more for now: a client that ended without a byte has
 * nothing to read as a request, and the app gets its half-close.
 */
function settled(bytes: Buffer): 'http' | 'not-http' {
  return bytes.length === 0 ? 'not-http' : settleHttpSniff(bytes);
}

/** After a silent sniff timeout: dials the app, and decides on whichever side speaks first. */
function awaitFirstSpeaker(
  socket: Socket,
  options: SniffProtocolOptions,
  done: (decision: ProtocolDecision) => void,
): void {
  const app = options.dialApp();
  let held: Buffer = EMPTY;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const finish = (decision: ProtocolDecision | undefined): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.removeListener('data', onClientData);
    socket.removeListener('end', onClientEnd);
    socket.removeListener('close', onClientClose);
    app.removeListener('data', onAppData);
    app.removeListener('close', onAppClose);
    socket.pause();
    if (decision?.kind === 'http') app.destroy();
    if (decision !== undefined) done(decision);
  };
  const decide = (verdict: 'http' | 'not-http'): void =>
    finish(verdict === 'http' ? { kind: 'http', bytes: held } : { kind: 'raw', bytes: held, app });
  const onAppData = (chunk: Buffer): void => {
    app.pause();
    app.unshift(chunk);
    finish({ kind: 'raw', bytes: held, app });
  };
  const onClientData = (chunk: Buffer): void => {
    held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
    const verdict = sniffHttp(held);
    if (verdict !== 'undecided') decide(verdict);
    else if (timer === undefined) {
      timer = setTimeout(() => decide(settleHttpSniff(held)), options.timeoutMs);
      timer.unref();
    }
  };
  const onClientEnd = (): void => decide(settled(held));
  const onClientClose = (): void => {
    finish(undefined);
    app.destroy();
  };
  // The app went away without a word: pass that on, as the raw pipe would have.
  const onAppClose = (hadError: boolean): void => {
    finish(undefined);
    if (hadError) socket.destroy();
    else socket.end(() => socket.destroy());
  };
  app.on('error', () => undefined); // 'close' follows, with hadError
  app.on('data', onAppData);
  app.once('close', onAppClose);
  socket.on('data', onClientData);
  socket.once('end', onClientEnd);
  socket.once('close', onClientClose);
  socket.resume();
}
