// Reads the first bytes of a connection until a decision can be made, without losing them:
// the caller gets the bytes back and either unshifts them (TLS) or feeds them on (plaintext).

import type { Socket } from 'node:net';

/** decide returns undefined while it needs more bytes. */
export function peekSocket<T>(
  socket: Socket,
  decide: (buf: Buffer) => T | undefined,
  options: { maxBytes: number; timeoutMs: number; onTimeout: T },
  done: (decision: T, bytes: Buffer) => void,
): void {
  let buf: Buffer = Buffer.alloc(0);
  let finished = false;
  const finish = (decision: T): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
    socket.pause();
    done(decision, buf);
  };
  const onData = (chunk: Buffer): void => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const decision = decide(buf);
    if (decision !== undefined) finish(decision);
    else if (buf.length >= options.maxBytes) finish(options.onTimeout);
  };
  const onEnd = (): void => finish(options.onTimeout);
  const timer = setTimeout(() => finish(options.onTimeout), options.timeoutMs);
  timer.unref();
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.once('close', () => {
    if (!finished) {
      finished = true;
      clearTimeout(timer);
    }
  });
}

/** How far into a connection the HTTP-or-not sniff looks; past it, undecided means not HTTP. */
export const HTTP_SNIFF_BYTES = 1024;

const LF = 0x0a;
const SPACE = 0x20;

/** RFC 9110 token characters: what any HTTP parser may take as a method. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  TCHAR[c.charCodeAt(0)] = 1;

/**
 * Bytes some parser splits a request line on or skips before it: SP, HTAB, CR, LF, and what
 * Python's `str.split()` also takes for whitespace once bytes are read as Latin-1.
 */
const LOOSE_SPACE = new Uint8Array(256);
for (const c of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0]) LOOSE_SPACE[c] = 1;

/** Methods as strict parsers (Node's llhttp) spell them: capitals, dashes, underscores (M-SEARCH). */
function strictMethod(buf: Buffer, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = buf[i]!;
    if (!((c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f)) return false;
  }
  return true;
}

/**
 * For `auto` ports: true when the bytes start like an HTTP/1.x request, false when they cannot be
 * one, undefined while it cannot tell yet. What it calls not HTTP goes to the app as raw bytes,
 * unchecked, so it errs towards HTTP: anything an app's HTTP parser might take as a request must
 * land here as true, or a forged X-Forwarded-Client-Cert would reach the app that way. Hence
 * whitespace before the request line counts as HTTP (parsers skip empty lines, RFC 9112 §2.2, and
 * Python's splits the line on any whitespace), as does any method token followed by a request line
 * that names an HTTP version (lenient parsers, such as Go's and Python's, accept lower-case and
 * made-up methods). Decided on the first HTTP_SNIFF_BYTES only, so that a decision on a prefix is
 * the decision on the whole.
 */
export function looksLikeHttp(input: Buffer): boolean | undefined {
  const complete = input.length >= HTTP_SNIFF_BYTES;
  const buf = complete ? input.subarray(0, HTTP_SNIFF_BYTES) : input;
  if (buf.length === 0) return undefined;
  if (LOOSE_SPACE[buf[0]!] === 1) return true;
  let i = 0;
  while (i < buf.length && TCHAR[buf[i]!] === 1) i++;
  if (i === buf.length) return complete ? false : undefined;
  if (i === 0 || LOOSE_SPACE[buf[i]!] !== 1) return false;
  if (buf[i] === SPACE && strictMethod(buf, i)) return true;
  const lineEnd = buf.indexOf(LF, i);
  if (buf.toString('latin1', i, lineEnd === -1 ? buf.length : lineEnd).includes('HTTP/')) return true;
  if (lineEnd !== -1) return false;
  return complete ? false : undefined;
}
